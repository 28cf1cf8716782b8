//go:build !unix

package localfs_test

import "errors"

func mkfifo(path string) error { return errors.New("FIFOs are a Unix feature") }
