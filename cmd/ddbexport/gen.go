package main

import (
	"io"

	"github.com/spf13/cobra"
)

func newGenCmd(stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{Use: "gen [flags] OUTDIR", Short: "Write a realistic synthetic export", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return usageErrorf("gen: not wired yet") }}
}
