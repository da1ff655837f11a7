-- wrk script: every request carries the next Cookie header of a file
-- (one header value a line), so the requests rotate over many sessions.
-- usage: wrk -s bench/cookies.lua URL -- COOKIEFILE
local counter = 0
local threads = {}

function setup(thread)
	counter = counter + 1
	thread:set("id", counter)
	table.insert(threads, thread)
end

local reqs = {}
local i = 0

function init(args)
	for line in io.lines(args[1]) do
		if line ~= "" then
			table.insert(reqs, wrk.format(nil, nil, { ["Cookie"] = line }))
		end
	end
	assert(#reqs > 0, "cookies.lua: no cookies in " .. args[1])
	-- Threads start at different places in the list.
	i = (id or 0) * 37 % #reqs
end

function request()
	i = i % #reqs + 1
	return reqs[i]
end
