package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/testenv"
)

// runOps runs ikomekctl with args against the database at dsn, stdin as standard
// input, and returns what it printed.
func runOps(tb testing.TB, dsn, stdin string, args ...string) (string, error) {
	tb.Helper()
	var cli CLI
	cli.Operators.Create.in = strings.NewReader(stdin)
	cli.Operators.Update.in = strings.NewReader(stdin)
	return execute(tb, &cli, &cli.Globals, nil, append([]string{"--database-url", dsn}, args...)...)
}

func storedCredOf(tb testing.TB, dsn, login string) string {
	tb.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var cred string
	if err := db.Pool.QueryRow(context.Background(), `SELECT sip_md5_cred FROM operators WHERE login = $1`, login).Scan(&cred); err != nil {
		tb.Fatal(err)
	}
	return cred
}

func TestOperatorsCLI(t *testing.T) {
	dsn := testenv.PostgresDSN(t)

	out, err := runOps(t, dsn, "", "operators", "create", "--login", "aigerim", "--name", "Aigerim Sadykova",
		"--languages", "kk,ru", "--sip-password", "aigerim-pass")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	if !strings.Contains(out, "operator aigerim created") || strings.Contains(out, "aigerim-pass") {
		t.Fatalf("create printed %q", out)
	}
	out, err = runOps(t, dsn, "bolat-pass-from-stdin\n", "operators", "create", "--login", "bolat", "--name", "Bolat",
		"--languages", "ru", "--lines", "109,556655", "--sip-password-stdin", "--json")
	if err != nil {
		t.Fatalf("create from stdin: %v\n%s", err, out)
	}
	var created operatorJSON
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.Login != "bolat" ||
		!slices.Equal(created.Lines, []string{"109", "556655"}) || !created.Active {
		t.Fatalf("create --json printed %q (%v)", out, err)
	}
	if got := storedCredOf(t, dsn, "bolat"); got != operators.MD5Cred("bolat", operators.SIPRealm, "bolat-pass-from-stdin") {
		t.Fatalf("the password from stdin was not the one stored")
	}

	t.Run("bad input is refused and changes nothing", func(t *testing.T) {
		for name, args := range map[string][]string{
			"unknown language": {"operators", "create", "--login", "x1", "--name", "X", "--languages", "en", "--sip-password", "12345678"},
			"short password":   {"operators", "create", "--login", "x1", "--name", "X", "--languages", "ru", "--sip-password", "1234567"},
			"bad login":        {"operators", "create", "--login", "x:1", "--name", "X", "--languages", "ru", "--sip-password", "12345678"},
			"no password":      {"operators", "create", "--login", "x1", "--name", "X", "--languages", "ru"},
			"duplicate":        {"operators", "create", "--login", "aigerim", "--name", "X", "--languages", "ru", "--sip-password", "12345678"},
			"unknown line":     {"operators", "update", "aigerim", "--lines", "112"},
			"nothing to do":    {"operators", "update", "aigerim"},
			"unknown operator": {"operators", "disable", "nobody"},
		} {
			if _, err := runOps(t, dsn, "", args...); err == nil {
				t.Errorf("%s: no error", name)
			} else if name != "duplicate" && name != "unknown operator" && apperr.Code(err) != apperr.Invalid {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		// Kong itself refuses both ways of giving a password at once.
		if _, err := runOps(t, dsn, "p", "operators", "create", "--login", "x1", "--name", "X", "--languages", "ru",
			"--sip-password", "12345678", "--sip-password-stdin"); err == nil {
			t.Error("two passwords: no error")
		}
		out, err := runOps(t, dsn, "", "operators", "list", "--inactive", "--json")
		var all []operatorJSON
		if err != nil || json.Unmarshal([]byte(out), &all) != nil || len(all) != 2 {
			t.Fatalf("list after refused commands = %q, %v", out, err)
		}
	})

	t.Run("update", func(t *testing.T) {
		before := storedCredOf(t, dsn, "aigerim")
		out, err := runOps(t, dsn, "new-aigerim-pass\n", "operators", "update", "aigerim", "--name", "Aigerim S.",
			"--lines", "556655", "--sip-password-stdin")
		if err != nil || !strings.Contains(out, "operator aigerim updated") {
			t.Fatalf("update = %q, %v", out, err)
		}
		if got := storedCredOf(t, dsn, "aigerim"); got == before || got != operators.MD5Cred("aigerim", "ikomek", "new-aigerim-pass") {
			t.Fatal("the new password was not stored")
		}
		out, err = runOps(t, dsn, "", "operators", "update", "aigerim", "--languages", "ru", "--json")
		var o operatorJSON
		if err != nil || json.Unmarshal([]byte(out), &o) != nil || o.FullName != "Aigerim S." ||
			!slices.Equal(o.Languages, []string{"ru"}) || !slices.Equal(o.Lines, []string{"556655"}) {
			t.Fatalf("update --json = %q, %v", out, err)
		}
	})

	t.Run("disable, list and enable again", func(t *testing.T) {
		out, err := runOps(t, dsn, "", "operators", "disable", "bolat")
		if err != nil || !strings.Contains(out, "operator bolat disabled") {
			t.Fatalf("disable = %q, %v", out, err)
		}
		out, err = runOps(t, dsn, "", "operators", "list")
		if err != nil || !strings.Contains(out, "aigerim") || strings.Contains(out, "bolat") {
			t.Fatalf("list = %q, %v", out, err)
		}
		out, err = runOps(t, dsn, "", "operators", "list", "--inactive")
		if err != nil || !strings.Contains(out, "bolat") || !strings.Contains(out, "disabled") ||
			!strings.HasPrefix(out, "LOGIN") {
			t.Fatalf("list --inactive = %q, %v", out, err)
		}
		if _, err := runOps(t, dsn, "", "operators", "update", "bolat", "--active=true"); err != nil {
			t.Fatal(err)
		}
		out, _ = runOps(t, dsn, "", "operators", "list", "--json")
		var active []operatorJSON
		json.Unmarshal([]byte(out), &active)
		if len(active) != 2 {
			t.Fatalf("after --active=true: %q", out)
		}
		if _, err := runOps(t, dsn, "", "operators", "update", "bolat", "--active=false"); err != nil {
			t.Fatal(err)
		}
		out, _ = runOps(t, dsn, "", "operators", "list", "--json")
		json.Unmarshal([]byte(out), &active)
		if len(active) != 1 || active[0].Login != "aigerim" {
			t.Fatalf("after --active=false: %q", out)
		}
	})

	t.Run("no output holds a password or its hash", func(t *testing.T) {
		out, _ := runOps(t, dsn, "", "operators", "list", "--inactive", "--json")
		for _, s := range []string{"pass", "md5", "cred", "realm", storedCredOf(t, dsn, "aigerim")} {
			if strings.Contains(out, s) {
				t.Errorf("list --json mentions %q: %s", s, out)
			}
		}
	})
}
