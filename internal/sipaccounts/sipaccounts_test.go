package sipaccounts_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ikomek/ikomek/internal/ari"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/sipaccounts"
)

// fakeAsterisk keeps dynamic configuration objects in memory the way Asterisk does:
// a PUT merges fields into the object, and values come back in Asterisk's own
// spelling (yes as true, codec lists in parentheses).
type fakeAsterisk struct {
	ari.Asterisk // only the configuration methods are used
	mu           sync.Mutex
	objs         map[string]map[string]string // "type/id" -> attribute -> value
	ops          []string                     // "PUT aor/op1", "DELETE auth/op1"
	failPut      string                       // "type/id" whose PUT fails
	// stale contacts a written aor catches, as Asterisk's do right after the aor was
	// deleted: one per write, for this many writes
	staleContacts int
	ghosts        map[string]bool // endpoints listed without a configuration
}

func newFakeAsterisk() *fakeAsterisk { return &fakeAsterisk{objs: map[string]map[string]string{}} }

func (f *fakeAsterisk) GetConfig(ctx context.Context, class, typ, id string) ([]ari.ConfigTuple, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.objs[typ+"/"+id]
	if !ok {
		return nil, &ari.Error{Method: "GET", Path: typ + "/" + id, Status: http.StatusNotFound, Message: "not found"}
	}
	var ts []ari.ConfigTuple
	for a, v := range o {
		ts = append(ts, ari.ConfigTuple{Attribute: a, Value: v})
	}
	return ts, nil
}

func (f *fakeAsterisk) UpdateConfig(ctx context.Context, class, typ, id string, fields []ari.ConfigTuple) ([]ari.ConfigTuple, error) {
	f.mu.Lock()
	key := typ + "/" + id
	f.ops = append(f.ops, "PUT "+key)
	if key == f.failPut {
		f.mu.Unlock()
		return nil, &ari.Error{Method: "PUT", Path: key, Status: http.StatusBadRequest, Message: "bad field"}
	}
	o, ok := f.objs[key]
	if !ok {
		o = map[string]string{"contact": ""}
		f.objs[key] = o
	}
	if typ == "aor" {
		o["contact"] = ""
		if f.staleContacts > 0 {
			f.staleContacts--
			o["contact"] = "sip:" + id + "@192.0.2.7:5062"
		}
	}
	for _, t := range fields {
		switch {
		case t.Attribute == "disallow": // not reported back
		case t.Value == "yes":
			o[t.Attribute] = "true"
		case t.Value == "no":
			o[t.Attribute] = "false"
		case t.Attribute == "allow":
			o[t.Attribute] = "(" + strings.ReplaceAll(t.Value, ",", "|") + ")"
		default:
			o[t.Attribute] = t.Value
		}
	}
	f.mu.Unlock()
	return f.GetConfig(ctx, class, typ, id)
}

func (f *fakeAsterisk) DeleteConfig(ctx context.Context, class, typ, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, "DELETE "+typ+"/"+id)
	delete(f.objs, typ+"/"+id)
	if typ == "endpoint" {
		delete(f.ghosts, id)
	}
	return nil
}

func (f *fakeAsterisk) takeOps() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ops := f.ops
	f.ops = nil
	return ops
}

// fakeEndpoints lists the endpoints the fake Asterisk holds.
type fakeEndpoints struct {
	ari.Endpoints
	ast *fakeAsterisk
}

func (e fakeEndpoints) ListByTech(ctx context.Context, tech string) ([]ari.Endpoint, error) {
	e.ast.mu.Lock()
	defer e.ast.mu.Unlock()
	var eps []ari.Endpoint
	for key := range e.ast.objs {
		if id, ok := strings.CutPrefix(key, "endpoint/"); ok {
			eps = append(eps, ari.Endpoint{Technology: tech, Resource: id, State: ari.EndpointStateOffline})
		}
	}
	for id := range e.ast.ghosts {
		eps = append(eps, ari.Endpoint{Technology: tech, Resource: id, State: ari.EndpointStateOffline})
	}
	return eps, nil
}

func account(login, password string, active bool) operators.SIPAccount {
	return operators.SIPAccount{Login: login, Realm: operators.SIPRealm,
		MD5Cred: operators.MD5Cred(login, operators.SIPRealm, password), Active: active}
}

func TestMD5Cred(t *testing.T) {
	// RFC 2617's HA1; echo -n 'op1:ikomek:secret-1' | md5sum
	if got := operators.MD5Cred("op1", "ikomek", "secret-1"); got != "e0854573b73dbf27f1958c6d0575b4be" {
		t.Fatalf("MD5Cred = %s", got)
	}
}

func TestSync(t *testing.T) {
	ctx := context.Background()
	ast := newFakeAsterisk()
	p := &sipaccounts.Provisioner{Asterisk: ast, Endpoints: fakeEndpoints{ast: ast}}
	accts := []operators.SIPAccount{account("op1", "secret-1", true), account("op2", "secret-2", true),
		account("gone", "secret-3", false)}

	t.Run("creates auth, aor and endpoint of active accounts, in that order", func(t *testing.T) {
		if err := p.Sync(ctx, accts); err != nil {
			t.Fatal(err)
		}
		want := []string{"PUT auth/op1", "PUT aor/op1", "PUT endpoint/op1", "PUT auth/op2", "PUT aor/op2", "PUT endpoint/op2"}
		if ops := ast.takeOps(); !slices.Equal(ops, want) {
			t.Fatalf("ops = %q, want %q", ops, want)
		}
		ep := ast.objs["endpoint/op1"]
		if ep["context"] != "from-operators" || ep["auth"] != "op1" || ep["aors"] != "op1" || ep["direct_media"] != "false" {
			t.Fatalf("endpoint = %v", ep)
		}
		if a := ast.objs["auth/op1"]; a["md5_cred"] != operators.MD5Cred("op1", "ikomek", "secret-1") || a["realm"] != "ikomek" ||
			a["auth_type"] != "md5" || a["username"] != "op1" {
			t.Fatalf("auth = %v", a)
		}
	})
	t.Run("a second run writes nothing", func(t *testing.T) {
		if err := p.Sync(ctx, accts); err != nil {
			t.Fatal(err)
		}
		if ops := ast.takeOps(); len(ops) != 0 {
			t.Fatalf("ops = %q, want none", ops)
		}
	})
	t.Run("a new password rewrites the auth only", func(t *testing.T) {
		accts[0] = account("op1", "secret-1-new", true)
		if err := p.Sync(ctx, accts); err != nil {
			t.Fatal(err)
		}
		if ops := ast.takeOps(); !slices.Equal(ops, []string{"PUT auth/op1"}) {
			t.Fatalf("ops = %q", ops)
		}
	})
	t.Run("a changed aor is deleted and created again, never rewritten", func(t *testing.T) {
		ast.objs["aor/op2"]["max_contacts"] = "5"
		if err := p.Sync(ctx, accts); err != nil {
			t.Fatal(err)
		}
		if ops := ast.takeOps(); !slices.Equal(ops, []string{"DELETE aor/op2", "PUT aor/op2"}) {
			t.Fatalf("ops = %q", ops)
		}
		if ast.objs["aor/op2"]["max_contacts"] != "1" {
			t.Fatalf("aor = %v", ast.objs["aor/op2"])
		}
	})
	t.Run("a changed aor that catches stale contacts is written again until it holds none", func(t *testing.T) {
		ast.objs["aor/op2"]["qualify_frequency"] = "30"
		ast.staleContacts = 2
		if err := p.Sync(ctx, accts); err != nil {
			t.Fatal(err)
		}
		want := []string{"DELETE aor/op2", "PUT aor/op2", "DELETE aor/op2", "PUT aor/op2", "DELETE aor/op2", "PUT aor/op2"}
		if ops := ast.takeOps(); !slices.Equal(ops, want) {
			t.Fatalf("ops = %q, want %q", ops, want)
		}
		if c := ast.objs["aor/op2"]["contact"]; c != "" {
			t.Fatalf("aor holds contact %q", c)
		}
		ast.staleContacts = 10
		ast.objs["aor/op2"]["qualify_frequency"] = "30"
		err := p.Sync(ctx, accts)
		if err == nil || !strings.Contains(err.Error(), "keeps contacts") {
			t.Fatalf("Sync with contacts that never go = %v", err)
		}
		if _, ok := ast.objs["aor/op2"]; ok {
			t.Fatal("an aor holding contacts was left in place")
		}
		ast.staleContacts = 0
		ast.takeOps()
		if err := p.Sync(ctx, accts); err != nil {
			t.Fatal(err)
		}
		if ops := ast.takeOps(); !slices.Equal(ops, []string{"PUT aor/op2"}) {
			t.Fatalf("ops after the contacts went = %q", ops)
		}
	})
	t.Run("a disabled account is removed, endpoint first, and then left alone", func(t *testing.T) {
		accts[1].Active = false
		if err := p.Sync(ctx, accts); err != nil {
			t.Fatal(err)
		}
		if ops := ast.takeOps(); !slices.Equal(ops, []string{"DELETE endpoint/op2", "DELETE aor/op2", "DELETE auth/op2"}) {
			t.Fatalf("ops = %q", ops)
		}
		if err := p.Sync(ctx, accts); err != nil {
			t.Fatal(err)
		}
		if ops := ast.takeOps(); len(ops) != 0 {
			t.Fatalf("ops = %q, want none", ops)
		}
	})
	t.Run("a stale endpoint state of a disabled account is cleared", func(t *testing.T) {
		ast.ghosts = map[string]bool{"gone": true}
		if err := p.Sync(ctx, accts); err != nil {
			t.Fatal(err)
		}
		if ops := ast.takeOps(); !slices.Equal(ops, []string{"PUT endpoint/gone", "DELETE endpoint/gone"}) {
			t.Fatalf("ops = %q", ops)
		}
		if err := p.Sync(ctx, accts); err != nil {
			t.Fatal(err)
		}
		if ops := ast.takeOps(); len(ops) != 0 {
			t.Fatalf("ops = %q, want none", ops)
		}
	})
	t.Run("one failing account does not stop the others", func(t *testing.T) {
		ast.failPut = "endpoint/op3"
		err := p.Sync(ctx, append(accts, account("op3", "secret-3", true), account("op4", "secret-4", true)))
		var aerr *ari.Error
		if err == nil || !strings.Contains(err.Error(), "op3") || !errors.As(err, &aerr) {
			t.Fatalf("Sync = %v, want op3's ARI error", err)
		}
		if _, ok := ast.objs["endpoint/op4"]; !ok {
			t.Fatal("op4 was not provisioned after op3 failed")
		}
		ast.takeOps()
		ast.failPut = ""
		if err := p.Sync(ctx, append(accts, account("op3", "secret-3", true), account("op4", "secret-4", true))); err != nil {
			t.Fatal(err)
		}
		if ops := ast.takeOps(); !slices.Equal(ops, []string{"PUT endpoint/op3"}) {
			t.Fatalf("retry ops = %q", ops)
		}
	})
	t.Run("bad accounts are refused and nothing is written for them", func(t *testing.T) {
		bad := []operators.SIPAccount{
			{Login: "op5", Realm: "ikomek", MD5Cred: "plain-password", Active: true},
			{Login: "../op6", Realm: "ikomek", MD5Cred: operators.MD5Cred("op6", "ikomek", "x"), Active: true},
			{Login: "", Active: false},
		}
		err := p.Sync(ctx, bad)
		if err == nil || !strings.Contains(err.Error(), "op5") || !strings.Contains(err.Error(), "../op6") {
			t.Fatalf("Sync = %v", err)
		}
		if ops := ast.takeOps(); len(ops) != 0 {
			t.Fatalf("ops = %q, want none", ops)
		}
	})
}

func TestSyncFrom(t *testing.T) {
	ast := newFakeAsterisk()
	p := &sipaccounts.Provisioner{Asterisk: ast}
	src := sourceFunc(func(context.Context) ([]operators.SIPAccount, error) {
		return []operators.SIPAccount{account("op1", "secret-1", true)}, nil
	})
	if err := p.SyncFrom(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if _, ok := ast.objs["endpoint/op1"]; !ok {
		t.Fatal("no endpoint")
	}
	failing := sourceFunc(func(context.Context) ([]operators.SIPAccount, error) { return nil, errors.New("db down") })
	if err := p.SyncFrom(context.Background(), failing); err == nil || !strings.Contains(err.Error(), "db down") {
		t.Fatalf("SyncFrom(failing) = %v", err)
	}
}

type sourceFunc func(context.Context) ([]operators.SIPAccount, error)

func (f sourceFunc) SIPAccounts(ctx context.Context) ([]operators.SIPAccount, error) { return f(ctx) }
