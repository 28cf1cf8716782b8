//go:build unix

package localfs

import (
	"os"
	"syscall"
)

// openNoBlock opens p for reading without blocking, even if p is (or has
// just become) a FIFO with no writer, and without making a terminal the
// process's controlling terminal.
func openNoBlock(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}

// setBlocking clears the O_NONBLOCK that openNoBlock set.
func setBlocking(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}
