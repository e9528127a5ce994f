// Command ikomekd is the iKomek controller: the Stasis application that handles citizen
// calls through Asterisk's ARI, the HTTP API and console, and the metrics endpoint.
//
//	ikomekd [flags]          run the controller
//	ikomekd migrate [flags]  apply database migrations and exit
//
// Every flag can also be set by its environment variable (see --help); a flag given on
// the command line wins.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/ikomek/ikomek/internal/app"
	"github.com/ikomek/ikomek/internal/ari"
	"github.com/ikomek/ikomek/internal/config"
	"github.com/ikomek/ikomek/internal/postgres"
)

type cli struct {
	config.Config `embed:""`

	Run     runCmd     `cmd:"" default:"1" help:"Run the controller (the default)."`
	Migrate migrateCmd `cmd:"" help:"Apply pending database migrations and exit."`
}

type runCmd struct{}

func (runCmd) Run(ctx context.Context, cfg *config.Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.Logger(os.Stderr)
	a, err := app.New(ctx, *cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	err = a.Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

type migrateCmd struct{}

func (migrateCmd) Run(ctx context.Context, cfg *config.Config) error {
	log := cfg.Logger(os.Stderr)
	res, err := postgres.Migrate(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	for _, r := range res {
		log.Info("migration applied", "version", r.Version, "source", r.Source)
	}
	cur, _, err := postgres.MigrationVersion(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	log.Info("database is up to date", "version", cur, "database_url", config.RedactURL(cfg.DatabaseURL))
	return nil
}

func main() {
	var c cli
	kctx := kong.Parse(&c, kong.Name("ikomekd"),
		kong.Description("iKomek call-center controller."), kong.UsageOnError())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	err := kctx.Run(&c.Config)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ikomekd:", err)
		if errors.Is(err, ari.ErrApplicationReplaced) {
			os.Exit(3)
		}
		os.Exit(1)
	}
}
