// tests/browser/flows.mjs -- what a person sees, in the system Chromium.
//
// Run by browser.sh, which starts the web server and says what to check:
//   BASE_URL      http://127.0.0.1:PORT of the running server
//   PROFILE_DIR   a new, empty Chromium user-data-dir
//   OUT_DIR       where screenshots go (PNG)
//   FLOWS         space-separated FLOW:PREFIX items, PREFIX being '' for the
//                 FastCGI mounts or /cgi-bin for the CGI ones, e.g.
//                 "echo: echo:/cgi-bin hello: login:/cgi-bin"
//   LOGIN_USER, LOGIN_PASSWORD   an account for the login flow
//   SERVER_NAME   the server's name, for the check names
//
// Prints one line per check, "PASS name" or "FAIL name: why", and
// "SKIP name: why"; browser.sh counts them.  Exits 2 when the browser could
// not be driven at all.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = process.env;
const BASE = env.BASE_URL;
const OUT = env.OUT_DIR;
const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';
const SERVER = env.SERVER_NAME || 'server';

// Flags for a quiet, self-contained headless run: no sandbox (CI runs as
// root), no GPU, no QUIC, and no background traffic of Chromium's own.
const ARGS = [
	'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync',
];

let failures = 0;

function pass(name) {
	console.log(`PASS ${name}`);
}

function fail(name, why) {
	failures++;
	console.log(`FAIL ${name}: ${String(why).split('\n')[0]}`);
}

function check(name, ok, why) {
	if (ok)
		pass(name);
	else
		fail(name, why);
}

function tag(prefix) {
	return prefix === '' ? 'fastcgi' : 'cgi';
}

// Check names: browser_SERVER_MODE_FLOW_behaviour.
function base(prefix, flow) {
	return `browser_${SERVER}_${tag(prefix)}_${flow}`;
}

async function shot(page, name) {
	mkdirSync(OUT, { recursive: true });
	const file = join(OUT, `${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	return file;
}

// A cookie of this site by name, from the browser's own jar (sees HttpOnly).
async function jarCookie(context, name) {
	const all = await context.cookies(BASE);
	return all.find((c) => c.name === name);
}

// ---- echo: the transport fixture; its cookie is readable by scripts ----
async function echoFlow(context, prefix) {
	const n = base(prefix, 'echo');
	const page = await context.newPage();
	const url = `${BASE}${prefix}/echo`;
	const seen = [];
	for (let i = 0; i < 3; i++) {
		const resp = i === 0 ? await page.goto(url) : await page.reload();
		if (resp.status() !== 200) {
			fail(`${n}_page_loads`, `status ${resp.status()}`);
			return;
		}
		seen.push(await page.evaluate(() => document.cookie));
	}
	pass(`${n}_page_loads`);
	check(`${n}_cookie_counter_increments_across_reloads`,
	    seen.join(' | ') === 'echo_count=1 | echo_count=2 | echo_count=3',
	    `document.cookie was ${seen.join(' | ')}`);
	await shot(page, `${tag(prefix)}-echo`);
	await page.close();
}

// ---- hello: the demo program that counts visits in a cookie ------------
// The count is read from the page (its #visits line); the cookie is
// HttpOnly, so scripts must not see it.
async function helloFlow(context, prefix) {
	const n = base(prefix, 'hello');
	const page = await context.newPage();
	const url = `${BASE}${prefix}/hello`;
	const counts = [];
	for (let i = 0; i < 3; i++) {
		const resp = i === 0 ? await page.goto(url) : await page.reload();
		if (resp.status() !== 200) {
			fail(`${n}_page_loads`, `status ${resp.status()}`);
			return;
		}
		const text = await page.locator('#visits').innerText();
		const m = text.match(/\d+/);
		counts.push(m ? Number(m[0]) : NaN);
	}
	pass(`${n}_page_loads`);
	check(`${n}_visit_counter_increments_across_reloads`,
	    counts.join(',') === '1,2,3', `counts seen: ${counts.join(', ')}`);
	const visits = await jarCookie(context, 'visits');
	check(`${n}_visits_cookie_in_browser`, visits?.value === '3',
	    `visits cookie: ${visits?.value}`);
	const doc = await page.evaluate(() => document.cookie);
	check(`${n}_httponly_cookie_hidden_from_scripts`, !doc.includes('visits='),
	    `document.cookie: ${doc}`);

	// The form posts a note back to the same program.
	await page.locator('input[name="note"]').fill('<i>from the browser</i>');
	await Promise.all([page.waitForNavigation(), page.locator('form button').click()]);
	check(`${n}_form_post_shows_note_as_text`,
	    (await page.locator('#note').innerText()) === 'Your note: <i>from the browser</i>' &&
	    await page.locator('#note i').count() === 0,
	    `note: ${await page.locator('#note').innerText().catch(() => 'none')}`);
	await shot(page, `${tag(prefix)}-hello`);
	await page.close();
}

// ---- login: the interface contract's login, protected, logout ----------
async function loginFlow(context, prefix) {
	const n = base(prefix, 'login');
	const user = env.LOGIN_USER, password = env.LOGIN_PASSWORD;
	const sessionName = env.SESSION_COOKIE_NAME || 'sessionid';
	const page = await context.newPage();
	const path = (u) => new URL(u).pathname;

	// An anonymous visit to the protected page is sent to the login form.
	let resp = await page.goto(`${BASE}${prefix}/protected`);
	check(`${n}_anonymous_protected_goes_to_login`,
	    path(page.url()) === `${prefix}/login` &&
	    new URL(page.url()).searchParams.get('next') === `${prefix}/protected`,
	    `landed on ${page.url()} (${resp.status()})`);
	const form = page.locator('form:has(input[name="password"])');
	check(`${n}_form_has_contract_fields`,
	    await form.locator('input[name="username"]').count() === 1 &&
	    await form.locator('input[name="csrfmiddlewaretoken"]').count() === 1 &&
	    await form.locator('input[name="next"]').count() === 1,
	    'username/password/next/csrfmiddlewaretoken not all in one form');
	await shot(page, `${tag(prefix)}-login`);

	// Wrong password: the form again, the session not started.
	await form.locator('input[name="username"]').fill(user);
	await form.locator('input[name="password"]').fill(`${password}-wrong`);
	resp = await Promise.all([page.waitForNavigation(),
	    form.locator('input[name="password"]').press('Enter')]).then((r) => r[0]);
	check(`${n}_wrong_password_shows_form_again`,
	    resp.status() === 200 && path(page.url()) === `${prefix}/login` &&
	    await page.locator('input[name="password"]').count() === 1,
	    `status ${resp.status()} at ${page.url()}`);

	// Right password: on to the protected page, which names the user, in a
	// new session (the key is cycled at login: no session fixation).
	const before = (await jarCookie(context, sessionName))?.value;
	const form2 = page.locator('form:has(input[name="password"])');
	await form2.locator('input[name="username"]').fill(user);
	await form2.locator('input[name="password"]').fill(password);
	await Promise.all([page.waitForNavigation(),
	    form2.locator('input[name="password"]').press('Enter')]);
	check(`${n}_right_password_reaches_protected`,
	    path(page.url()) === `${prefix}/protected`, `landed on ${page.url()}`);
	check(`${n}_protected_shows_username`,
	    (await page.locator('body').innerText()).includes(user),
	    'username not on the page');
	const session = await jarCookie(context, sessionName);
	check(`${n}_session_cookie_is_httponly`, session && session.httpOnly,
	    session ? 'not HttpOnly' : `no ${sessionName} cookie`);
	check(`${n}_session_key_cycled_at_login`,
	    session && session.value && session.value !== before,
	    `before ${before}, after ${session?.value}`);
	const docCookie = await page.evaluate(() => document.cookie);
	check(`${n}_session_cookie_hidden_from_scripts`,
	    !docCookie.split(/;\s*/).some((c) => c.startsWith(`${sessionName}=`)),
	    `document.cookie: ${docCookie}`);
	await shot(page, `${tag(prefix)}-protected`);

	// Logout is a form POST button; it ends the session.
	const logout = page.locator('form[method="post" i][action$="logout"]')
	    .locator('button, input[type="submit"]').first();
	await Promise.all([page.waitForNavigation(), logout.click()]);
	check(`${n}_logout_goes_to_login`, path(page.url()) === `${prefix}/login`,
	    `landed on ${page.url()}`);
	// (The login page may start a new session for its test cookie.)
	const after = await jarCookie(context, sessionName);
	check(`${n}_logout_drops_session_cookie`, after?.value !== session?.value,
	    'the logged-in session cookie is still in the browser');
	await page.goto(`${BASE}${prefix}/protected`);
	check(`${n}_protected_after_logout_goes_to_login`,
	    path(page.url()) === `${prefix}/login`, `landed on ${page.url()}`);
	// The old session key, put back by hand, no longer logs anyone in.
	await context.addCookies([{ ...session, expires: -1 }]);
	await page.goto(`${BASE}${prefix}/protected`);
	check(`${n}_logged_out_session_key_is_dead`,
	    path(page.url()) === `${prefix}/login`, `landed on ${page.url()}`);
	await page.close();
}

const FLOWS = { echo: echoFlow, hello: helloFlow, login: loginFlow };

async function main() {
	let context;
	try {
		context = await chromium.launchPersistentContext(env.PROFILE_DIR, {
			executablePath: CHROMIUM,
			headless: true,
			args: ARGS,
			timeout: 30000,
		});
	} catch (e) {
		console.log(`FAIL browser_${SERVER}_starts: ${String(e.message).split('\n')[0]}`);
		process.exit(2);
	}
	pass(`browser_${SERVER}_starts`);
	context.setDefaultTimeout(15000);
	for (const item of (env.FLOWS || '').split(/\s+/).filter(Boolean)) {
		const [flow, prefix] = item.split(':');
		// Each flow starts with no cookies: they share one profile.
		await context.clearCookies();
		try {
			await FLOWS[flow](context, prefix || '');
		} catch (e) {
			fail(`${base(prefix || '', flow)}_runs`, e.message);
		}
	}
	await context.close();
	process.exit(failures ? 1 : 0);
}

main();
