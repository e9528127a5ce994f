package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ikomek/ikomek/internal/httpapi"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/operators"
)

// operatorsCmd groups the management of operators. SIP accounts follow the records:
// the controller provisions them on Asterisk at its next synchronisation.
type operatorsCmd struct {
	Create  operatorsCreateCmd  `cmd:"" help:"Add an operator."`
	List    operatorsListCmd    `cmd:"" help:"List operators."`
	Update  operatorsUpdateCmd  `cmd:"" help:"Change an operator."`
	Disable operatorsDisableCmd `cmd:"" help:"Disable an operator: never offered calls again, SIP account removed."`

	Availability availabilityCmd `cmd:"" help:"Days off and requests (spans an operator cannot work) that 'roster build' respects."`
	WorkRules    workRulesCmd    `cmd:"" name:"work-rules" help:"Personal max hours per week and shift preferences that 'roster build' follows."`
}

const sipNote = "its SIP account is applied on Asterisk by the controller's next synchronisation"

// passwordFlags are the two ways to give a SIP password.
type passwordFlags struct {
	SIPPassword      *string   `name:"sip-password" xor:"password" help:"SIP password (at least 8 characters); visible to other local users, prefer --sip-password-stdin."`
	SIPPasswordStdin bool      `name:"sip-password-stdin" xor:"password" help:"Read the SIP password from the first line of standard input."`
	in               io.Reader // standard input; tests replace it
}

// password returns the password given, or nil when none was.
func (f *passwordFlags) password() (*string, error) {
	if !f.SIPPasswordStdin {
		return f.SIPPassword, nil
	}
	in := f.in
	if in == nil {
		in = os.Stdin
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading the SIP password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	return &line, nil
}

type operatorsCreateCmd struct {
	Login     string   `required:"" help:"Login: the SIP user name too (2-32 letters, digits, '.', '_', '-')."`
	Name      string   `required:"" help:"Full name."`
	Languages []string `required:"" sep:"," help:"Languages served: ru, kk (comma-separated)."`
	Lines     []string `sep:"," help:"Lines served: 109, 556655 (comma-separated; default 109)."`
	passwordFlags
	JSON bool `name:"json" help:"Print JSON."`
}

func (c *operatorsCreateCmd) Run(ctx context.Context, g *Globals) error {
	pw, err := c.password()
	if err != nil {
		return err
	}
	if pw == nil {
		return apperr.Errorf(apperr.Invalid, "a SIP password is needed: --sip-password or --sip-password-stdin")
	}
	db, err := g.db(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	o, err := db.Operators().Create(ctx, operators.NewOperator{Login: c.Login, FullName: c.Name,
		Languages: c.Languages, Lines: c.Lines, SIPPassword: *pw})
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(g.out()).Encode(operatorOut(o))
	}
	fmt.Fprintf(g.out(), "operator %s created (id %d); %s\n", o.Login, o.ID, sipNote)
	return nil
}

type operatorsListCmd struct {
	Inactive bool `help:"Include disabled operators."`
	JSON     bool `name:"json" help:"Print JSON."`
}

func (c *operatorsListCmd) Run(ctx context.Context, g *Globals) error {
	db, err := g.db(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ops, err := db.Operators().List(ctx, c.Inactive)
	if err != nil {
		return err
	}
	if c.JSON {
		out := make([]operatorJSON, 0, len(ops))
		for _, o := range ops {
			out = append(out, operatorOut(o))
		}
		return json.NewEncoder(g.out()).Encode(out)
	}
	w := tabwriter.NewWriter(g.out(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LOGIN\tNAME\tLANGUAGES\tLINES\tSTATUS\tUPDATED")
	for _, o := range ops {
		status := "active"
		if !o.Active {
			status = "disabled"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", o.Login, o.FullName, strings.Join(o.Languages, ","),
			strings.Join(o.Lines, ","), status, o.UpdatedAt.Format(time.RFC3339))
	}
	return w.Flush()
}

type operatorsUpdateCmd struct {
	Login     string   `arg:"" help:"Login of the operator."`
	Name      *string  `help:"New full name."`
	Languages []string `sep:"," help:"New languages: ru, kk (comma-separated)."`
	Lines     []string `sep:"," help:"New lines: 109, 556655 (comma-separated)."`
	passwordFlags
	Active *bool `help:"--active=true enables the operator, --active=false disables it."`
	JSON   bool  `name:"json" help:"Print JSON."`
}

func (c *operatorsUpdateCmd) Run(ctx context.Context, g *Globals) error {
	var p operators.Patch
	p.FullName, p.Active = c.Name, c.Active
	if c.Languages != nil {
		p.Languages = &c.Languages
	}
	if c.Lines != nil {
		p.Lines = &c.Lines
	}
	pw, err := c.password()
	if err != nil {
		return err
	}
	p.SIPPassword = pw
	if p == (operators.Patch{}) {
		return apperr.Errorf(apperr.Invalid, "nothing to change: give --name, --languages, --lines, a SIP password or --active")
	}
	db, err := g.db(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	o, err := db.Operators().Update(ctx, c.Login, p)
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(g.out()).Encode(operatorOut(o))
	}
	fmt.Fprintf(g.out(), "operator %s updated", o.Login)
	if p.SIPPassword != nil || p.Active != nil {
		fmt.Fprintf(g.out(), "; %s", sipNote)
	}
	fmt.Fprintln(g.out())
	return nil
}

type operatorsDisableCmd struct {
	Login string `arg:"" help:"Login of the operator."`
}

func (c *operatorsDisableCmd) Run(ctx context.Context, g *Globals) error {
	db, err := g.db(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	off := false
	o, err := db.Operators().Update(ctx, c.Login, operators.Patch{Active: &off})
	if err != nil {
		return err
	}
	fmt.Fprintf(g.out(), "operator %s disabled; its SIP account is removed from Asterisk by the controller's next synchronisation\n", o.Login)
	return nil
}

// operatorJSON is an operator as printed with --json: the API's form, nothing of the
// SIP password.
type operatorJSON = httpapi.OperatorJSON

func operatorOut(o operators.Operator) operatorJSON { return httpapi.NewOperatorJSON(o) }
