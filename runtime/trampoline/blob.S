/* blob.S: the exec trampoline (trampoline.c, built static) as bytes inside
 * kist-runtime, which copies them into a sealed memfd for each container's
 * init (runtime/cloned_binary.c).  TRAMPOLINE_BIN is the built program. */
	.section .rodata
	.balign 16
	.global rt_trampoline_start
	.hidden rt_trampoline_start
	.global rt_trampoline_end
	.hidden rt_trampoline_end
rt_trampoline_start:
	.incbin TRAMPOLINE_BIN
rt_trampoline_end:
	.section .note.GNU-stack,"",%progbits
