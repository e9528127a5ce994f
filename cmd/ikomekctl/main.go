// Command ikomekctl is the administration and operations tool of iKomek: database
// migrations, API tokens, staffing calculations and shift planning.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/ikomek/ikomek/internal/apperr"
)

func main() {
	var c CLI
	kctx := kong.Parse(&c, kong.Name("ikomekctl"),
		kong.Description("iKomek administration and operations tool."), kong.UsageOnError())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	if err := kctx.Run(&c.Globals); err != nil {
		fmt.Fprintln(os.Stderr, "ikomekctl:", apperrText(err))
		if apperr.Code(err) == apperr.Invalid {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// apperrText shows application errors by their user message and anything else whole.
func apperrText(err error) string {
	if apperr.Code(err) != apperr.Internal {
		return apperr.Message(err)
	}
	return err.Error()
}
