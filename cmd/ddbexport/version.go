package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
	"golang.org/x/term"
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
			_, err := fmt.Fprintf(stdout, "ddbexport %s\n", version())
			return err
		},
	}
}

func isTerminalFd(fd uintptr) bool { return term.IsTerminal(int(fd)) }
