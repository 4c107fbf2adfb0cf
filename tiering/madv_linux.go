package tiering

import "syscall"

const madvHugePage = syscall.MADV_HUGEPAGE
