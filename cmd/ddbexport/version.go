package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ddbexport/ddbexport/sink/parquet"
)

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "devel"
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(stdout, "ddbexport %s, %s, Parquet zstd encoder: %s\n", version(), runtime.Version(), parquet.ZstdEncoder)
			return err
		},
	}
}

func isTerminalFd(fd uintptr) bool { return term.IsTerminal(int(fd)) }
