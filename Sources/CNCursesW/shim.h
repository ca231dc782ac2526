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
