#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include "cterminal.h"
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

static volatile sig_atomic_t signal_seen = 0;
static volatile sig_atomic_t screen_active = 0;
static SCREEN *screen = NULL;

static void on_signal(int sig) { signal_seen = sig; }

static void on_fatal(int sig) {
  ct_restore_terminal();
  signal(sig, SIG_DFL);
  raise(sig);
}

void ct_install_signal_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* No SA_RESTART: a blocked read returns so the loop sees the flag at once. */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGQUIT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE};
  for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) signal(fatal[i], on_fatal);
  atexit(ct_restore_terminal);
}

int ct_take_signal(void) {
  int s = signal_seen;
  signal_seen = 0;
  return s;
}

void ct_raise_flag(int sig) { signal_seen = sig; }

int ct_start_screen(void) {
  screen = newterm(NULL, stdout, stdin);
  if (screen == NULL) return -1;
  set_term(screen);
  const char *cup = tigetstr("cup");
  if (cup == NULL || cup == (char *)-1) {
    endwin();
    delscreen(screen);
    screen = NULL;
    return -2;
  }
  screen_active = 1;
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

void ct_restore_terminal(void) {
  if (screen_active) {
    screen_active = 0;
    endwin();
    fflush(stdout);
  }
}

void ct_end_screen(void) {
  ct_restore_terminal();
  if (screen != NULL) {
    delscreen(screen);
    screen = NULL;
  }
}

int ct_locale_is_utf8(void) {
  const char *cs = nl_langinfo(CODESET);
  return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

#ifdef __GLIBC__
#include <malloc.h>
#endif

void ct_tune_malloc(void) {
#ifdef __GLIBC__
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
}

unsigned long long ct_heap_in_use(void) {
#ifdef __GLIBC__
  struct mallinfo2 m = mallinfo2();
  return (unsigned long long)m.uordblks + (unsigned long long)m.hblkhd;
#else
  return 0;
#endif
}

void ct_flush_stdout(void) { fflush(stdout); }
