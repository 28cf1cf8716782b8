//go:build !unix

package localfs

import "os"

// openNoBlock opens p for reading. Systems other than Unix have no FIFOs
// in their file systems, so the open cannot block.
func openNoBlock(p string) (*os.File, error) { return os.Open(p) }

func setBlocking(f *os.File) error { return nil }
