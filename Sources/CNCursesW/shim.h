// Typed, non-variadic access to ncursesw for Swift.
// SwiftPM drops pkg-config's -D flags, so the wide-character API is enabled here.
#ifndef CHAOSTUI_CNCURSESW_SHIM_H
#define CHAOSTUI_CNCURSESW_SHIM_H
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

static inline WINDOW *ct_stdscr(void) { return stdscr; }
static inline int ct_cols(void) { return COLS; }
static inline int ct_lines(void) { return LINES; }
static inline int ct_colors(void) { return COLORS; }
static inline int ct_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t ct_a_bold(void) { return A_BOLD; }
static inline attr_t ct_a_reverse(void) { return A_REVERSE; }
static inline attr_t ct_a_underline(void) { return A_UNDERLINE; }
static inline attr_t ct_a_dim(void) { return A_DIM; }
static inline attr_t ct_a_normal(void) { return A_NORMAL; }
static inline int ct_key_resize(void) { return KEY_RESIZE; }
static inline int ct_key_f(int n) { return KEY_F(n); }

/// Terminal state shared with the signal handlers: whether the screen is ours, and which signal asked us to stop.
static volatile sig_atomic_t ct_signal_seen = 0;
static volatile sig_atomic_t ct_screen_active = 0;
static SCREEN *ct_screen = NULL;

static inline void ct_on_signal(int sig) { ct_signal_seen = sig; }
static inline int ct_take_signal(void) { int s = ct_signal_seen; ct_signal_seen = 0; return s; }

/// Restores the terminal if the screen is still ours (atexit and fatal paths).
static inline void ct_restore_terminal(void) {
  if (ct_screen_active) {
    ct_screen_active = 0;
    endwin();
  }
}

/// A crash (trap, segfault, abort) still gives the terminal back before the default action runs.
static inline void ct_on_fatal(int sig) {
  ct_restore_terminal();
  signal(sig, SIG_DFL);
  raise(sig);
}

static inline void ct_install_signal_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = ct_on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGQUIT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGSEGV, ct_on_fatal);
  signal(SIGBUS, ct_on_fatal);
  signal(SIGILL, ct_on_fatal);
  signal(SIGTRAP, ct_on_fatal);
  signal(SIGABRT, ct_on_fatal);
  signal(SIGFPE, ct_on_fatal);
  atexit(ct_restore_terminal);
}

/// Whether the C library's character set (after setlocale) is UTF-8.
static inline int ct_locale_is_utf8(void) {
  const char *cs = nl_langinfo(CODESET);
  return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/// newterm on stdin/stdout. Returns 0 on success, -1 if the terminal type is unknown,
/// -2 if the terminal cannot address the cursor (such as TERM=dumb).
static inline int ct_start_screen(void) {
  ct_screen = newterm(NULL, stdout, stdin);
  if (ct_screen == NULL) return -1;
  set_term(ct_screen);
  const char *cup = tigetstr("cup");
  if (cup == NULL || cup == (char *)-1) {
    endwin();
    delscreen(ct_screen);
    ct_screen = NULL;
    return -2;
  }
  ct_screen_active = 1;
  cbreak();
  noecho();
  nonl();
  intrflush(stdscr, FALSE);
  keypad(stdscr, TRUE);
  curs_set(0);
  set_escdelay(25);
  if (has_colors()) {
    start_color();
    use_default_colors();
  }
  return 0;
}

static inline void ct_end_screen(void) {
  ct_restore_terminal();
  if (ct_screen != NULL) {
    delscreen(ct_screen);
    ct_screen = NULL;
  }
}

/// Reads one key with a timeout in milliseconds. Returns ERR on timeout, KEY_CODE_YES for function keys
/// (then *out holds the key code) or OK for a character.
static inline int ct_get_key(int timeout_ms, unsigned int *out) {
  wint_t ch = 0;
  wtimeout(stdscr, timeout_ms);
  int rc = wget_wch(stdscr, &ch);
  *out = (unsigned int)ch;
  return rc;
}

/// Writes one cell: a character with attributes and an (extended) colour pair.
static inline void ct_put_cell(int y, int x, unsigned int ch, attr_t attrs, int pair) {
  cchar_t cc;
  wchar_t wstr[2];
  wstr[0] = (wchar_t)ch;
  wstr[1] = 0;
  int p = pair;
  setcchar(&cc, wstr, attrs, (short)(pair > 32767 ? 0 : pair), &p);
  mvwadd_wch(stdscr, y, x, &cc);
}

static inline int ct_init_pair(int pair, int fg, int bg) {
  return init_extended_pair(pair, fg, bg);
}

static inline void ct_flush(void) {
  wnoutrefresh(stdscr);
  doupdate();
}
#endif
