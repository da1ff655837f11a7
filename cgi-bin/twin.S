/*
 * A program's dynamically linked build (TWIN, a path the Makefile gives),
 * carried read-only inside the same program linked statically:
 * lib/static_twin.c runs it for the configurations that load shared
 * libraries.  Its pages are never touched otherwise.
 */
	.section .rodata.csess_twin, "a"
	.balign 4096
	.globl csi_prog_twin
	.hidden csi_prog_twin
csi_prog_twin:
	.incbin TWIN
	.globl csi_prog_twin_end
	.hidden csi_prog_twin_end
csi_prog_twin_end:
	.section .note.GNU-stack, "", @progbits
