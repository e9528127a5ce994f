package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/postgres"
)

// CLI is the command tree.
type CLI struct {
	Globals

	Migrate  migrateCmd  `cmd:"" help:"Apply pending database migrations."`
	Tokens   tokensCmd   `cmd:"" help:"Manage API tokens."`
	Staffing staffingCmd `cmd:"" help:"Erlang staffing calculations."`
	Shifts   shiftsCmd   `cmd:"" help:"Shift planning."`
	Roster   rosterCmd   `cmd:"" help:"Rosters: operators on planned shifts."`

	Operators operatorsCmd `cmd:"" help:"Manage operators and their SIP accounts."`

	Departments departmentsCmd `cmd:"" help:"Manage the departments tickets go to."`
	Categories  categoriesCmd  `cmd:"" help:"Manage ticket categories (Open311 services) and their routing."`
	SLA         slaCmd         `cmd:"" name:"sla" help:"Manage SLA policies (versioned)."`
	Seed        seedCmd        `cmd:"" help:"Load starting data."`
	Tickets     ticketsCmd     `cmd:"" help:"Show, sweep and anonymise tickets."`

	Recordings recordingsCmd `cmd:"" help:"Verify recordings and apply their retention."`
	QC         qcCmd         `cmd:"" name:"qc" help:"Quality control: the weekly review sample."`
}

// Globals are the settings every command may use.
type Globals struct {
	DatabaseURL string    `name:"database-url" env:"IKOMEK_DATABASE_URL" default:"postgres://ikomek@127.0.0.1:5432/ikomek?sslmode=disable" help:"PostgreSQL URL."`
	Out         io.Writer `kong:"-"`
}

func (g *Globals) out() io.Writer {
	if g.Out != nil {
		return g.Out
	}
	return os.Stdout
}

func (g *Globals) db(ctx context.Context) (*postgres.DB, error) {
	db, err := postgres.Open(ctx, g.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: %w", err)
	}
	return db, nil
}

type migrateCmd struct{}

func (migrateCmd) Run(ctx context.Context, g *Globals) error {
	res, err := postgres.Migrate(ctx, g.DatabaseURL)
	if err != nil {
		return err
	}
	for _, r := range res {
		fmt.Fprintf(g.out(), "applied %d %s\n", r.Version, r.Source)
	}
	cur, _, err := postgres.MigrationVersion(ctx, g.DatabaseURL)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.out(), "database at version %d\n", cur)
	return nil
}

type tokensCmd struct {
	Create tokensCreateCmd `cmd:"" help:"Create a token and print its secret (shown only once)."`
	List   tokensListCmd   `cmd:"" help:"List tokens."`
	Revoke tokensRevokeCmd `cmd:"" help:"Revoke a token."`
}

type tokensCreateCmd struct {
	Role    string        `required:"" help:"operator, supervisor, qc, department, admin or open311."`
	Name    string        `required:"" help:"Who or what holds the token."`
	Subject string        `help:"What the token acts for: an operator login, a department code."`
	TTL     time.Duration `name:"ttl" help:"Expire after this long (e.g. 720h); never when not given."`
	JSON    bool          `name:"json" help:"Print JSON."`
}

func (c *tokensCreateCmd) Run(ctx context.Context, g *Globals) error {
	role, err := auth.ParseRole(c.Role)
	if err != nil {
		return err
	}
	var exp *time.Time
	if c.TTL < 0 {
		return fmt.Errorf("--ttl must be positive")
	}
	if c.TTL > 0 {
		t := time.Now().Add(c.TTL)
		exp = &t
	}
	db, err := g.db(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	t, secret, err := db.Tokens().Create(ctx, c.Name, role, c.Subject, exp)
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(g.out()).Encode(map[string]any{"id": t.ID, "name": t.Name, "role": t.Role,
			"subject": t.Subject, "expires_at": t.ExpiresAt, "secret": secret})
	}
	fmt.Fprintf(g.out(), "token %d (%s, %s) created; its secret, shown only now:\n%s\n", t.ID, t.Name, t.Role, secret)
	return nil
}

type tokensListCmd struct{}

func (tokensListCmd) Run(ctx context.Context, g *Globals) error {
	db, err := g.db(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ts, err := db.Tokens().List(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(g.out(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tROLE\tSUBJECT\tCREATED\tSTATUS")
	for _, t := range ts {
		status := "active"
		switch {
		case t.RevokedAt != nil:
			status = "revoked"
		case t.ExpiresAt != nil && t.ExpiresAt.Before(time.Now()):
			status = "expired"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.Subject, t.CreatedAt.Format(time.RFC3339), status)
	}
	return w.Flush()
}

type tokensRevokeCmd struct {
	ID int64 `arg:"" help:"Token id."`
}

func (c *tokensRevokeCmd) Run(ctx context.Context, g *Globals) error {
	db, err := g.db(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Tokens().Revoke(ctx, c.ID); err != nil {
		return err
	}
	fmt.Fprintf(g.out(), "token %d revoked\n", c.ID)
	return nil
}
