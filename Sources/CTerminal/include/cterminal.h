#ifndef CHAOSTUI_CTERMINAL_H
#define CHAOSTUI_CTERMINAL_H

/// Installs handlers: SIGINT, SIGTERM, SIGHUP and SIGQUIT set a flag the loop reads; crashes
/// (SIGSEGV, SIGILL, SIGTRAP, SIGABRT, ...) restore the terminal before the default action; atexit too.
void ct_install_signal_handlers(void);
/// The stop signal that arrived since the last call, or 0.
int ct_take_signal(void);
/// Flushes standard output (Swift 6 may not touch the `stdout` global).
void ct_flush_stdout(void);
/// Records a signal as if it had arrived (a closed terminal is a hang-up).
void ct_raise_flag(int sig);

/// Starts the screen on stdin/stdout. 0 on success, -1 for an unknown terminal type,
/// -2 for a terminal that cannot address the cursor (TERM=dumb).
int ct_start_screen(void);
/// Gives the terminal back (idempotent, safe from atexit and fatal handlers).
void ct_restore_terminal(void);
/// Restores and frees the screen.
void ct_end_screen(void);
/// Whether the C library's character set (after setlocale) is UTF-8.
int ct_locale_is_utf8(void);
/// Keeps the process's memory close to what it uses: few malloc arenas for the informer threads, and
/// large buffers (pages of JSON) always mapped and given back when freed (glibc would otherwise raise
/// its mmap threshold after the first free and keep them on the heap). No-op off glibc.
void ct_tune_malloc(void);
/// Bytes the allocator has handed out and not taken back (mallinfo2: arenas and mmapped blocks).
unsigned long long ct_heap_in_use(void);
#endif
