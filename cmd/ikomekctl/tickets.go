package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/qc"
	"github.com/ikomek/ikomek/internal/tickets"
	"github.com/ikomek/ikomek/internal/tickets/sweeper"
)

// cliActor is who the CLI's changes are recorded as.
func cliActor() tickets.Actor {
	who := os.Getenv("SUDO_USER")
	if who == "" {
		who = os.Getenv("USER")
	}
	if who == "" {
		who = "unknown"
	}
	return tickets.Actor{Role: "admin", Name: "ikomekctl", Subject: who}
}

// withDB runs fn with the database of g.
func withDB(ctx context.Context, g *Globals, fn func(db *postgres.DB) error) error {
	db, err := g.db(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// seedCmd is "ikomekctl seed".
type seedCmd struct {
	Catalog seedCatalogCmd `cmd:"" help:"Load the city hotline catalogue: departments, categories and SLA policies (what exists is kept)."`
	QCForm  seedQCFormCmd  `cmd:"" name:"qc-form" help:"Create the standard call-quality scoring form, unless an active form exists."`
}

type seedQCFormCmd struct{}

func (seedQCFormCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		fs, err := db.QC().Forms(ctx)
		if err != nil {
			return err
		}
		for _, f := range fs {
			if f.Active {
				fmt.Fprintf(g.out(), "kept active form %d %q\n", f.ID, f.Name)
				return nil
			}
		}
		a := cliActor()
		f, err := db.QC().CreateForm(ctx, qc.DefaultForm(), qc.Actor{Name: a.Name + ":" + a.Subject, Role: a.Role})
		if err != nil {
			return err
		}
		fmt.Fprintf(g.out(), "created form %d %q\n", f.ID, f.Name)
		return nil
	})
}

type seedCatalogCmd struct{}

func (seedCatalogCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		res, err := tickets.LoadSeed(ctx, db.Catalog(), db.SLA(), tickets.CitySeed(), cliActor())
		if err != nil {
			return err
		}
		fmt.Fprintf(g.out(), "added %d departments, %d categories, %d SLA policies\n",
			res.Departments, res.Categories, res.Policies)
		return nil
	})
}

// departmentsCmd is "ikomekctl departments".
type departmentsCmd struct {
	List departmentsListCmd `cmd:"" help:"List departments."`
	Set  departmentsSetCmd  `cmd:"" help:"Create a department or change one; flags not given stay as they are."`
}

type departmentsListCmd struct {
	JSON bool `name:"json" help:"Print JSON."`
}

func (c *departmentsListCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		ds, err := db.Catalog().Departments(ctx)
		if err != nil {
			return err
		}
		if c.JSON {
			for i := range ds {
				ds[i].WebhookSecret = ""
			}
			return json.NewEncoder(g.out()).Encode(ds)
		}
		w := tabwriter.NewWriter(g.out(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "CODE\tKIND\tACTIVE\tWEBHOOK\tNAME")
		for _, d := range ds {
			fmt.Fprintf(w, "%s\t%s\t%v\t%s\t%s\n", d.Code, d.Kind, d.Active, orDash(d.WebhookURL), d.Name)
		}
		return w.Flush()
	})
}

type departmentsSetCmd struct {
	Code          string  `arg:"" help:"Department code (e.g. water)."`
	Name          *string `help:"Name."`
	Kind          *string `help:"city_office, utility or police."`
	WebhookURL    *string `name:"webhook-url" help:"Where tickets are POSTed; empty to stop webhook delivery."`
	WebhookSecret *string `name:"webhook-secret" help:"HMAC secret of the webhook; a new random one when a URL is set without one."`
	Active        *bool   `negatable:"" help:"Whether tickets may be assigned to it."`
}

func (c *departmentsSetCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		d, err := db.Catalog().Department(ctx, c.Code)
		switch {
		case apperr.Code(err) == apperr.NotFound:
			d = tickets.Department{Code: c.Code, Active: true}
		case err != nil:
			return err
		}
		had := d.WebhookSecret
		d.WebhookSecret = ""
		set(&d.Name, c.Name)
		if c.Kind != nil {
			d.Kind = tickets.Kind(*c.Kind)
		}
		set(&d.WebhookURL, c.WebhookURL)
		set(&d.WebhookSecret, c.WebhookSecret)
		if c.Active != nil {
			d.Active = *c.Active
		}
		saved, created, err := db.Catalog().SaveDepartment(ctx, d, cliActor())
		if err != nil {
			return err
		}
		verb := "updated"
		if created {
			verb = "created"
		}
		fmt.Fprintf(g.out(), "department %s %s\n", saved.Code, verb)
		if saved.WebhookSecret != "" && saved.WebhookSecret != had {
			fmt.Fprintf(g.out(), "webhook secret (give it to the department; shown only now):\n%s\n", saved.WebhookSecret)
		}
		return nil
	})
}

func set(dst *string, v *string) {
	if v != nil {
		*dst = strings.TrimSpace(*v)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// categoriesCmd is "ikomekctl categories".
type categoriesCmd struct {
	List    categoriesListCmd    `cmd:"" help:"List categories (Open311 services)."`
	Set     categoriesSetCmd     `cmd:"" help:"Create a category or change one; flags not given stay as they are."`
	Routing categoriesRoutingCmd `cmd:"" help:"Show the audited history of a category's department."`
}

type categoriesListCmd struct {
	All  bool `help:"Include inactive categories."`
	JSON bool `name:"json" help:"Print JSON."`
}

func (c *categoriesListCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		cs, err := db.Catalog().Categories(ctx, c.All)
		if err != nil {
			return err
		}
		if c.JSON {
			return json.NewEncoder(g.out()).Encode(cs)
		}
		w := tabwriter.NewWriter(g.out(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "SERVICE CODE\tGROUP\tDEPARTMENT\tPRIORITY\tATTRS\tNAME")
		for _, x := range cs {
			name := x.Name
			if x.OnTheSpot {
				name += " (answered on the spot)"
			}
			if !x.Active {
				name += " (inactive)"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", x.ServiceCode, orDash(x.Group), x.DepartmentCode,
				x.DefaultPriority, len(x.Attributes), name)
		}
		return w.Flush()
	})
}

type categoriesSetCmd struct {
	Code        string   `arg:"" help:"Service code (e.g. pothole)."`
	Name        *string  `help:"Name shown to citizens and operators."`
	Description *string  `help:"Description."`
	Group       *string  `help:"Group (e.g. roads)."`
	Keywords    []string `help:"Keywords, comma separated."`
	Department  *string  `help:"Department the category's tickets go to."`
	Priority    *string  `help:"Default priority: low, normal, high or emergency."`
	Notice      *string  `help:"What citizens can expect (Open311 service_notice)."`
	OnTheSpot   *bool    `name:"on-the-spot" negatable:"" help:"Answered by the operator and closed at once."`
	Attributes  string   `type:"existingfile" help:"JSON file with the Open311 attributes (an array)."`
	Active      *bool    `negatable:"" help:"Whether new tickets may use it."`
	Reason      string   `help:"Why the department changes (recorded)."`
}

func (c *categoriesSetCmd) Run(ctx context.Context, g *Globals) error {
	var attrs []tickets.Attribute
	if c.Attributes != "" {
		b, err := os.ReadFile(c.Attributes)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &attrs); err != nil {
			return apperr.Errorf(apperr.Invalid, "%s: not a JSON array of attributes: %v", c.Attributes, err)
		}
	}
	return withDB(ctx, g, func(db *postgres.DB) error {
		x, err := db.Catalog().Category(ctx, c.Code)
		switch {
		case apperr.Code(err) == apperr.NotFound:
			x = tickets.Category{ServiceCode: c.Code, Active: true, DefaultPriority: tickets.Normal}
		case err != nil:
			return err
		}
		set(&x.Name, c.Name)
		set(&x.Description, c.Description)
		set(&x.Group, c.Group)
		set(&x.DepartmentCode, c.Department)
		set(&x.Notice, c.Notice)
		if c.Keywords != nil {
			x.Keywords = c.Keywords
		}
		if c.Priority != nil {
			x.DefaultPriority = tickets.Priority(*c.Priority)
		}
		if c.OnTheSpot != nil {
			x.OnTheSpot = *c.OnTheSpot
		}
		if c.Active != nil {
			x.Active = *c.Active
		}
		if attrs != nil {
			x.Attributes = attrs
		}
		saved, created, err := db.Catalog().SaveCategory(ctx, x, cliActor(), c.Reason)
		if err != nil {
			return err
		}
		verb := "updated"
		if created {
			verb = "created"
		}
		fmt.Fprintf(g.out(), "category %s %s (department %s)\n", saved.ServiceCode, verb, saved.DepartmentCode)
		return nil
	})
}

type categoriesRoutingCmd struct {
	Code string `arg:"" help:"Service code."`
}

func (c *categoriesRoutingCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		rs, err := db.Catalog().Routing(ctx, c.Code)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(g.out(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "AT\tFROM\tTO\tBY\tREASON")
		for _, r := range rs {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s %s\t%s\n", r.At.Format(time.RFC3339), orDash(r.FromDepartment),
				r.ToDepartment, r.Actor.Name, r.Actor.Subject, r.Reason)
		}
		return w.Flush()
	})
}

// slaCmd is "ikomekctl sla".
type slaCmd struct {
	List slaListCmd `cmd:"" help:"List SLA policies in force (or every version with --history)."`
	Set  slaSetCmd  `cmd:"" help:"Add a new version of a policy; tickets keep the version they were given."`
}

type slaListCmd struct {
	ServiceCode *string `name:"service-code" help:"Only this category (empty for the defaults)."`
	History     bool    `help:"Include superseded versions."`
}

func (c *slaListCmd) Run(ctx context.Context, g *Globals) error {
	code := "*"
	if c.ServiceCode != nil {
		code = *c.ServiceCode
	}
	return withDB(ctx, g, func(db *postgres.DB) error {
		ps, err := db.SLA().Policies(ctx, code, c.History)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(g.out(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "SERVICE CODE\tPRIORITY\tVERSION\tRESPOND\tRESOLVE\tSINCE\tSUPERSEDED")
		for _, p := range ps {
			sup := "-"
			if p.SupersededAt != nil {
				sup = p.SupersededAt.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", orDash(p.ServiceCode), p.Priority, p.Version,
				p.RespondWithin, p.ResolveWithin, p.CreatedAt.Format(time.RFC3339), sup)
		}
		return w.Flush()
	})
}

type slaSetCmd struct {
	ServiceCode   string        `name:"service-code" help:"Category; empty for the default of every category without its own."`
	Priority      string        `required:"" help:"low, normal, high or emergency."`
	RespondWithin time.Duration `name:"respond-within" required:"" help:"Time to react (acknowledge), e.g. 2h."`
	ResolveWithin time.Duration `name:"resolve-within" required:"" help:"Time to resolve, e.g. 72h."`
}

func (c *slaSetCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		p, err := db.SLA().SetPolicy(ctx, tickets.Policy{ServiceCode: c.ServiceCode, Priority: tickets.Priority(c.Priority),
			RespondWithin: c.RespondWithin, ResolveWithin: c.ResolveWithin}, cliActor())
		if err != nil {
			return err
		}
		fmt.Fprintf(g.out(), "policy %s/%s version %d: respond within %s, resolve within %s\n",
			orDash(p.ServiceCode), p.Priority, p.Version, p.RespondWithin, p.ResolveWithin)
		return nil
	})
}

// ticketsCmd is "ikomekctl tickets".
type ticketsCmd struct {
	Show      ticketsShowCmd      `cmd:"" help:"Show a ticket and its history."`
	Sweep     ticketsSweepCmd     `cmd:"" help:"Escalate the tickets past their SLA deadlines now (the controller does it every 30 s)."`
	Anonymise ticketsAnonymiseCmd `cmd:"" help:"Blank callers' personal data on tickets closed before the retention period."`
}

type ticketsShowCmd struct {
	Ticket string `arg:"" help:"Ticket id or reference (109-2026-000123)."`
}

func (c *ticketsShowCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		var t tickets.Ticket
		var err error
		if id, perr := strconv.ParseInt(c.Ticket, 10, 64); perr == nil {
			t, err = db.Tickets().Get(ctx, id)
		} else {
			t, err = db.Tickets().ByReference(ctx, c.Ticket)
		}
		if err != nil {
			return err
		}
		evs, err := db.Tickets().Events(ctx, t.ID)
		if err != nil {
			return err
		}
		out := g.out()
		fmt.Fprintf(out, "%s (id %d) %s, %s priority, via %s\n", t.Reference, t.ID, t.Status, t.Priority, t.Channel)
		fmt.Fprintf(out, "category %s, department %s, address %s\n", orDash(t.ServiceCode), orDash(t.DepartmentCode), orDash(t.Address))
		if t.SLA != nil {
			fmt.Fprintf(out, "SLA policy %d v%d: respond by %s, resolve by %s; escalation level %d\n", t.SLA.PolicyID,
				t.SLA.PolicyVersion, t.SLA.ResponseDueAt.Format(time.RFC3339), t.SLA.ResolutionDueAt.Format(time.RFC3339),
				t.EscalationLevel)
		}
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "AT\tEVENT\tSTATUS\tBY\tNOTE")
		for _, e := range evs {
			st := ""
			if e.To != "" {
				st = string(e.From) + "->" + string(e.To)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s %s\t%s\n", e.At.Format(time.RFC3339), e.Type, st, e.Actor.Role, e.Actor.Name, e.Reason)
		}
		return w.Flush()
	})
}

type ticketsSweepCmd struct{}

func (ticketsSweepCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		es, err := (&sweeper.Sweeper{SLA: db.SLA()}).SweepOnce(ctx)
		if err != nil {
			return err
		}
		for _, e := range es {
			kinds := make([]string, len(e.Breaches))
			for i, b := range e.Breaches {
				kinds[i] = string(b.Kind)
			}
			fmt.Fprintf(g.out(), "%s escalated to level %d (%s) for %s\n", e.Reference, e.Level,
				strings.Join(kinds, ", "), orDash(e.Department))
		}
		fmt.Fprintf(g.out(), "%d tickets escalated\n", len(es))
		return nil
	})
}

type ticketsAnonymiseCmd struct {
	OlderThan time.Duration `name:"older-than" default:"26280h" help:"Retention: tickets closed longer ago than this (default 3 years)."`
}

func (c *ticketsAnonymiseCmd) Run(ctx context.Context, g *Globals) error {
	if c.OlderThan < 24*time.Hour {
		return apperr.Errorf(apperr.Invalid, "--older-than must be at least a day")
	}
	return withDB(ctx, g, func(db *postgres.DB) error {
		n, err := db.Tickets().Anonymise(ctx, db.Now().Add(-c.OlderThan), cliActor())
		if err != nil {
			return err
		}
		fmt.Fprintf(g.out(), "anonymised the callers of %d tickets closed before %s\n", n,
			db.Now().Add(-c.OlderThan).Format(time.DateOnly))
		return nil
	})
}
