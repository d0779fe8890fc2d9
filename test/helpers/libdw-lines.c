/*
 * Test helper: prints, for every unit of an ELF file, the line rows exactly as
 * elfutils' libdw returns them (dwarf_getsrclines order), so the tests can
 * compare our reader with libdw. Output, tab-separated:
 *   U <cu offset> <comp_dir or -> <nlines or -1>
 *   <address hex> <line> <end_sequence 0|1> <is_stmt 0|1> <file path or ->
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: libdw-lines FILE\n");
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    perror(argv[1]);
    return 2;
  }
  Dwarf *dw = dwarf_begin(fd, DWARF_C_READ);
  if (dw == NULL) {
    fprintf(stderr, "%s: %s\n", argv[1], dwarf_errmsg(-1));
    return 2;
  }
  Dwarf_Off off = 0, next;
  size_t hsize;
  static char buf[1 << 16];
  setvbuf(stdout, buf, _IOFBF, sizeof buf);
  while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
    Dwarf_Die cudie;
    if (dwarf_offdie(dw, off + hsize, &cudie) == NULL) {
      off = next;
      continue;
    }
    Dwarf_Attribute attr;
    const char *comp_dir = dwarf_formstring(dwarf_attr(&cudie, DW_AT_comp_dir, &attr));
    Dwarf_Lines *lines;
    size_t n = 0;
    if (dwarf_getsrclines(&cudie, &lines, &n) != 0) {
      printf("U\t%" PRIu64 "\t%s\t-1\n", (uint64_t)off, comp_dir ? comp_dir : "-");
      off = next;
      continue;
    }
    printf("U\t%" PRIu64 "\t%s\t%zu\n", (uint64_t)off, comp_dir ? comp_dir : "-", n);
    for (size_t i = 0; i < n; i++) {
      Dwarf_Line *l = dwarf_onesrcline(lines, i);
      Dwarf_Addr addr = 0;
      int lineno = 0;
      bool end = false, stmt = false;
      dwarf_lineaddr(l, &addr);
      dwarf_lineno(l, &lineno);
      dwarf_lineendsequence(l, &end);
      dwarf_linebeginstatement(l, &stmt);
      const char *src = dwarf_linesrc(l, NULL, NULL);
      printf("%" PRIx64 "\t%d\t%d\t%d\t%s\n", (uint64_t)addr, lineno, end, stmt, src ? src : "-");
    }
    off = next;
  }
  dwarf_end(dw);
  close(fd);
  return 0;
}
