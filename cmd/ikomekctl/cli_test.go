package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/alecthomas/kong"
)

// execute parses args into the command tree root, whose globals are g, as the binary
// does, runs the chosen command and returns what it printed. out, when not nil, is
// where the commands were told to print (it is returned too).
func execute(tb testing.TB, root any, g *Globals, out *bytes.Buffer, args ...string) (string, error) {
	tb.Helper()
	if out == nil {
		out = &bytes.Buffer{}
	}
	g.Out = out
	parser, err := kong.New(root, kong.Name("ikomekctl"), kong.Writers(out, out), kong.Exit(func(int) {}))
	if err != nil {
		tb.Fatal(err)
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		return out.String(), err
	}
	kctx.BindTo(context.Background(), (*context.Context)(nil))
	err = kctx.Run(g)
	return out.String(), err
}
