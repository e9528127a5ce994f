package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/testenv"
)

func opPtr[T any](v T) *T { return &v }

func opPgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// opRefused reports the error of the refuse_change trigger.
func opRefused(err error) bool {
	return opPgCode(err) == "42501" && strings.Contains(err.Error(), "append-only")
}

// operatorRows counts the rows of operators, to prove refused input changed nothing.
func operatorRows(tb testing.TB, db *postgres.DB) (n int, lastUpdate time.Time) {
	tb.Helper()
	err := db.Pool.QueryRow(context.Background(),
		`SELECT count(*), coalesce(max(updated_at), 'epoch') FROM operators`).Scan(&n, &lastUpdate)
	if err != nil {
		tb.Fatal(err)
	}
	return n, lastUpdate
}

func storedCred(tb testing.TB, db *postgres.DB, login string) (realm, cred string) {
	tb.Helper()
	err := db.Pool.QueryRow(context.Background(), `SELECT sip_realm, sip_md5_cred FROM operators WHERE login = $1`,
		login).Scan(&realm, &cred)
	if err != nil {
		tb.Fatal(err)
	}
	return realm, cred
}

func TestOperators(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	now := time.Date(2026, 2, 2, 8, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	s := db.Operators()

	aigerim, err := s.Create(ctx, operators.NewOperator{Login: "aigerim", FullName: " Aigerim Sadykova ",
		Languages: []string{"kk", "ru", "kk"}, SIPPassword: "s3cret-pass"})
	if err != nil {
		t.Fatal(err)
	}
	if aigerim.ID == 0 || aigerim.FullName != "Aigerim Sadykova" || !slices.Equal(aigerim.Languages, []string{"kk", "ru"}) ||
		!slices.Equal(aigerim.Lines, []string{"109"}) || !aigerim.Active || !aigerim.CreatedAt.Equal(now) || !aigerim.UpdatedAt.Equal(now) {
		t.Fatalf("created %+v", aigerim)
	}

	t.Run("the SIP password is stored only as its digest hash", func(t *testing.T) {
		realm, cred := storedCred(t, db, "aigerim")
		// echo -n 'aigerim:ikomek:s3cret-pass' | md5sum
		if realm != operators.SIPRealm || cred != "da3ea65a6716d8024697879c93529956" {
			t.Fatalf("stored realm %q cred %q", realm, cred)
		}
		var hits int
		db.Pool.QueryRow(ctx, `SELECT count(*) FROM operators o WHERE strpos(o::text, 's3cret-pass') > 0`).Scan(&hits)
		if hits != 0 {
			t.Fatal("the plain password is in the row")
		}
	})

	t.Run("a login is taken once, whatever its case", func(t *testing.T) {
		for _, login := range []string{"aigerim", "AIGERIM"} {
			_, err := s.Create(ctx, operators.NewOperator{Login: login, FullName: "Other", Languages: []string{"ru"}, SIPPassword: "another-pass"})
			if apperr.Code(err) != apperr.Conflict {
				t.Errorf("Create(%s) = %v, want conflict", login, err)
			}
		}
	})

	t.Run("bad input changes nothing", func(t *testing.T) {
		n0, upd0 := operatorRows(t, db)
		good := operators.NewOperator{Login: "marat", FullName: "Marat", Languages: []string{"ru"}, SIPPassword: "12345678"}
		for name, mutate := range map[string]func(*operators.NewOperator){
			"short login":       func(o *operators.NewOperator) { o.Login = "m" },
			"long login":        func(o *operators.NewOperator) { o.Login = "marat-with-a-very-long-login-name-x" },
			"login with space":  func(o *operators.NewOperator) { o.Login = "ma rat" },
			"login with colon":  func(o *operators.NewOperator) { o.Login = "ma:rat" },
			"non-ASCII login":   func(o *operators.NewOperator) { o.Login = "марат" },
			"reserved login":    func(o *operators.NewOperator) { o.Login = "citizens" },
			"API path login":    func(o *operators.NewOperator) { o.Login = "Live" },
			"empty name":        func(o *operators.NewOperator) { o.FullName = "  " },
			"unknown language":  func(o *operators.NewOperator) { o.Languages = []string{"ru", "en"} },
			"no language":       func(o *operators.NewOperator) { o.Languages = nil },
			"unknown line":      func(o *operators.NewOperator) { o.Lines = []string{"112"} },
			"short password":    func(o *operators.NewOperator) { o.SIPPassword = "1234567" },
			"no password":       func(o *operators.NewOperator) { o.SIPPassword = "" },
			"too long password": func(o *operators.NewOperator) { o.SIPPassword = string(make([]byte, 129)) },
		} {
			in := good
			mutate(&in)
			if _, err := s.Create(ctx, in); apperr.Code(err) != apperr.Invalid {
				t.Errorf("%s: Create = %v, want invalid", name, err)
			}
		}
		for name, p := range map[string]operators.Patch{
			"empty name":       {FullName: opPtr("")},
			"unknown language": {Languages: &[]string{"de"}},
			"no language":      {Languages: &[]string{}},
			"unknown line":     {Lines: &[]string{"101"}},
			"no line":          {Lines: &[]string{}},
			"short password":   {SIPPassword: opPtr("short"), Active: opPtr(false)},
		} {
			if _, err := s.Update(ctx, "aigerim", p); apperr.Code(err) != apperr.Invalid {
				t.Errorf("%s: Update = %v, want invalid", name, err)
			}
		}
		if n, upd := operatorRows(t, db); n != n0 || !upd.Equal(upd0) {
			t.Fatalf("rows %d updated %s after refused input, want %d %s", n, upd, n0, upd0)
		}
		if got, _ := s.Get(ctx, "aigerim"); !got.Active {
			t.Fatal("a refused patch disabled the operator")
		}
	})

	t.Run("the database itself refuses bad rows", func(t *testing.T) {
		for name, q := range map[string]string{
			"language": `INSERT INTO operators (login, full_name, languages, lines, sip_realm, sip_md5_cred, created_at, updated_at)
				VALUES ('x1', 'X', '{en}', '{109}', 'ikomek', 'da3ea65a6716d8024697879c93529956', now(), now())`,
			"line": `INSERT INTO operators (login, full_name, languages, lines, sip_realm, sip_md5_cred, created_at, updated_at)
				VALUES ('x2', 'X', '{ru}', '{112}', 'ikomek', 'da3ea65a6716d8024697879c93529956', now(), now())`,
			"plain password": `INSERT INTO operators (login, full_name, languages, lines, sip_realm, sip_md5_cred, created_at, updated_at)
				VALUES ('x3', 'X', '{ru}', '{109}', 'ikomek', 'password123', now(), now())`,
		} {
			if _, err := db.Pool.Exec(ctx, q); opPgCode(err) != "23514" { // check_violation
				t.Errorf("a row with a bad %s: %v, want a check violation", name, err)
			}
		}
	})

	now = now.Add(time.Hour)
	t.Run("update", func(t *testing.T) {
		_, cred0 := storedCred(t, db, "aigerim")
		o, err := s.Update(ctx, "aigerim", operators.Patch{FullName: opPtr("Aigerim S."), Lines: &[]string{"109", "556655"},
			SIPPassword: opPtr("new-password-1")})
		if err != nil {
			t.Fatal(err)
		}
		if o.FullName != "Aigerim S." || !slices.Equal(o.Lines, []string{"109", "556655"}) ||
			!slices.Equal(o.Languages, []string{"kk", "ru"}) || !o.UpdatedAt.Equal(now) || !o.CreatedAt.Equal(aigerim.CreatedAt) {
			t.Fatalf("updated %+v", o)
		}
		if _, cred := storedCred(t, db, "aigerim"); cred == cred0 || cred != operators.MD5Cred("aigerim", "ikomek", "new-password-1") {
			t.Fatalf("cred after a new password = %s", cred)
		}
		got, err := s.Get(ctx, "aigerim")
		if err != nil || got.FullName != "Aigerim S." {
			t.Fatalf("Get = %+v, %v", got, err)
		}
		same, err := s.Update(ctx, "aigerim", operators.Patch{})
		if err != nil || !same.UpdatedAt.Equal(got.UpdatedAt) {
			t.Fatalf("empty patch = %+v, %v", same, err)
		}
		if _, err := s.Update(ctx, "nobody", operators.Patch{FullName: opPtr("X")}); apperr.Code(err) != apperr.NotFound {
			t.Fatalf("Update(missing) = %v", err)
		}
		if _, err := s.Get(ctx, "nobody"); apperr.Code(err) != apperr.NotFound {
			t.Fatalf("Get(missing) = %v", err)
		}
	})

	if _, err := s.Create(ctx, operators.NewOperator{Login: "bolat.k", FullName: "Bolat K.", Languages: []string{"ru"},
		Lines: []string{"556655"}, SIPPassword: "bolat-pass"}); err != nil {
		t.Fatal(err)
	}
	t.Run("disable", func(t *testing.T) {
		o, err := s.Update(ctx, "bolat.k", operators.Patch{Active: opPtr(false)})
		if err != nil || o.Active {
			t.Fatalf("disable = %+v, %v", o, err)
		}
		active, err := s.List(ctx, false)
		if err != nil || len(active) != 1 || active[0].Login != "aigerim" {
			t.Fatalf("List(active) = %+v, %v", active, err)
		}
		all, err := s.List(ctx, true)
		if err != nil || len(all) != 2 || all[0].Login != "aigerim" || all[1].Login != "bolat.k" {
			t.Fatalf("List(all) = %+v, %v", all, err)
		}
		for _, q := range []string{`DELETE FROM operators WHERE login = 'bolat.k'`, `TRUNCATE operators CASCADE`} {
			if _, err := db.Pool.Exec(ctx, q); !opRefused(err) {
				t.Errorf("%s: %v, want refused", q, err)
			}
		}
	})

	t.Run("SIP accounts of active and disabled operators", func(t *testing.T) {
		as, err := s.SIPAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []operators.SIPAccount{
			{Login: "aigerim", Realm: "ikomek", MD5Cred: operators.MD5Cred("aigerim", "ikomek", "new-password-1"), Active: true},
			{Login: "bolat.k", Realm: "ikomek", MD5Cred: operators.MD5Cred("bolat.k", "ikomek", "bolat-pass"), Active: false},
		}
		if !slices.Equal(as, want) {
			t.Fatalf("SIPAccounts = %+v\nwant %+v", as, want)
		}
	})
}

func TestOperatorStateLog(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	t0 := time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return t0 }
	s := db.Operators()
	if _, err := s.Create(ctx, operators.NewOperator{Login: "dana", FullName: "Dana", Languages: []string{"ru"}, SIPPassword: "dana-pass"}); err != nil {
		t.Fatal(err)
	}
	call, _, err := db.Calls().Arrive(ctx, calls.Call{AsteriskID: "ast1", ChannelID: "ch-op", Line: "109", ArrivedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	changes := []operators.StateChange{
		{Login: "dana", At: t0, From: operators.Offline, To: operators.Available, Reason: "login"},
		{Login: "dana", At: t0.Add(time.Minute), From: operators.Available, To: operators.Ringing, CallID: call.ID},
		{Login: "dana", At: t0.Add(time.Minute), From: operators.Ringing, To: operators.OnCall, CallID: call.ID},
		{Login: "dana", At: t0.Add(5 * time.Minute), From: operators.OnCall, To: operators.WrapUp, CallID: call.ID},
		{Login: "dana", At: t0.Add(6 * time.Minute), From: operators.WrapUp, To: operators.Paused, Reason: "lunch"},
	}
	// Recorded out of order: the log is ordered by time, then by arrival.
	for _, i := range []int{3, 0, 1, 2, 4} {
		if err := s.RecordState(ctx, changes[i]); err != nil {
			t.Fatal(err)
		}
	}

	got, err := s.StateLog(ctx, "dana", t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(got, changes, func(a, b operators.StateChange) bool {
		return a.Login == b.Login && a.At.Equal(b.At) && a.From == b.From && a.To == b.To && a.Reason == b.Reason && a.CallID == b.CallID
	}) {
		t.Fatalf("StateLog = %+v\nwant %+v", got, changes)
	}
	t.Run("the last state is the latest by time, not by arrival", func(t *testing.T) {
		last, err := s.LastStates(ctx)
		if err != nil || len(last) != 1 || last["dana"] != (operators.LastState{State: operators.Paused, Reason: "lunch"}) {
			t.Fatalf("LastStates = %+v, %v", last, err)
		}
	})
	t.Run("the period is half-open", func(t *testing.T) {
		got, err := s.StateLog(ctx, "dana", t0.Add(time.Minute), t0.Add(5*time.Minute))
		if err != nil || len(got) != 2 || got[0].To != operators.Ringing || got[1].To != operators.OnCall {
			t.Fatalf("StateLog(1m, 5m) = %+v, %v", got, err)
		}
	})
	t.Run("a change without a time gets the clock's", func(t *testing.T) {
		db.Now = func() time.Time { return t0.Add(10 * time.Minute) }
		if err := s.RecordState(ctx, operators.StateChange{Login: "dana", From: operators.Paused, To: operators.Offline}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.StateLog(ctx, "dana", t0.Add(10*time.Minute), t0.Add(11*time.Minute))
		if len(got) != 1 || got[0].To != operators.Offline {
			t.Fatalf("StateLog = %+v", got)
		}
	})
	t.Run("bad input changes nothing", func(t *testing.T) {
		var n0 int
		db.Pool.QueryRow(ctx, `SELECT count(*) FROM operator_state_log`).Scan(&n0)
		for name, c := range map[string]operators.StateChange{
			"unknown state":    {Login: "dana", From: operators.Offline, To: "sleeping"},
			"empty state":      {Login: "dana", To: operators.Available},
			"unknown call":     {Login: "dana", From: operators.Available, To: operators.Ringing, CallID: 424242},
			"unknown operator": {Login: "nobody", From: operators.Offline, To: operators.Available},
		} {
			want := apperr.Invalid
			if name == "unknown operator" {
				want = apperr.NotFound
			}
			if err := s.RecordState(ctx, c); apperr.Code(err) != want {
				t.Errorf("%s: RecordState = %v, want %s", name, err, want)
			}
		}
		var n int
		db.Pool.QueryRow(ctx, `SELECT count(*) FROM operator_state_log`).Scan(&n)
		if n != n0 {
			t.Fatalf("%d log rows after refused changes, want %d", n, n0)
		}
		if _, err := s.StateLog(ctx, "dana", t0, t0); apperr.Code(err) != apperr.Invalid {
			t.Errorf("empty period: %v", err)
		}
		if _, err := s.StateLog(ctx, "nobody", t0, t0.Add(time.Hour)); apperr.Code(err) != apperr.NotFound {
			t.Errorf("unknown operator: %v", err)
		}
	})
	t.Run("the database refuses rewriting the log", func(t *testing.T) {
		for _, q := range []string{
			`UPDATE operator_state_log SET reason = 'x'`,
			`DELETE FROM operator_state_log`,
			`TRUNCATE operator_state_log`,
		} {
			if _, err := db.Pool.Exec(ctx, q); !opRefused(err) {
				t.Errorf("%s: %v, want refused", q, err)
			}
		}
		got, _ := s.StateLog(ctx, "dana", t0, t0.Add(time.Hour))
		if len(got) != len(changes)+1 || got[4].Reason != "lunch" || got[5].To != operators.Offline {
			t.Fatalf("log after refused rewrites = %+v", got)
		}
	})
}
