package sipaccounts_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/ari"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/sipaccounts"
	"github.com/ikomek/ikomek/internal/testenv"
)

// countingAsterisk counts the configuration writes that reach the real Asterisk.
type countingAsterisk struct {
	ari.Asterisk
	writes atomic.Int64
}

func (c *countingAsterisk) UpdateConfig(ctx context.Context, class, typ, id string, fields []ari.ConfigTuple) ([]ari.ConfigTuple, error) {
	c.writes.Add(1)
	return c.Asterisk.UpdateConfig(ctx, class, typ, id, fields)
}

func (c *countingAsterisk) DeleteConfig(ctx context.Context, class, typ, id string) error {
	c.writes.Add(1)
	return c.Asterisk.DeleteConfig(ctx, class, typ, id)
}

func (c *countingAsterisk) take() int64 { return c.writes.Swap(0) }

// TestLiveProvisionAndRegister provisions an operator's account on the test Asterisk,
// registers a real softphone (sipp) with digest authentication, sees the endpoint go
// online, changes the password, and disables the account.
func TestLiveProvisionAndRegister(t *testing.T) {
	env := testenv.Asterisk(t)
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Fatal("sipp is not installed (Debian package sip-tester; `make deps`)")
	}
	ctx := t.Context()
	c, err := ari.NewClient(env.ARIURL, env.ARIUser, env.ARIPassword, ari.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	ast := &countingAsterisk{Asterisk: c.Asterisk()}
	p := &sipaccounts.Provisioner{Asterisk: ast, Endpoints: c.Endpoints(), Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))}

	// A login of this test's own: other tests share the server.
	login := "t" + testenv.RandomSuffix(10)
	password := "pw-" + testenv.RandomSuffix(12)
	t.Cleanup(func() {
		for _, typ := range []string{"endpoint", "aor", "auth"} {
			c.Asterisk().DeleteConfig(context.Background(), "res_pjsip", typ, login)
		}
	})

	acct := account(login, password, true)
	if err := p.Sync(ctx, []operators.SIPAccount{acct}); err != nil {
		t.Fatal(err)
	}
	if n := ast.take(); n != 3 {
		t.Errorf("first Sync wrote %d objects, want 3", n)
	}
	// Asterisk holds what Sync meant to write, in Asterisk's own spelling ("true" for
	// "yes", "(alaw|ulaw)" for "alaw,ulaw"; disallow is not reported back).
	spelling := map[string]string{"yes": "true", "no": "false", "alaw,ulaw": "(alaw|ulaw)"}
	for _, o := range sipaccounts.Objects(acct) {
		got, err := c.Asterisk().GetConfig(ctx, "res_pjsip", o.Type, o.ID)
		if err != nil {
			t.Fatalf("GetConfig(%s): %v", o.Type, err)
		}
		want := map[string]string{}
		for _, f := range o.Fields {
			if f.Attribute != "disallow" {
				want[f.Attribute] = cmp.Or(spelling[f.Value], f.Value)
			}
		}
		switch o.Type {
		case "auth":
			want["password"] = "" // never the plain password
			want["md5_cred"] = acct.MD5Cred
		case "endpoint":
			want["context"], want["auth"], want["aors"] = "from-operators", login, login
		}
		for a, v := range want {
			if value := tupleValue(got, a); value != v {
				t.Errorf("%s %s = %q, want %q", o.Type, a, value, v)
			}
		}
	}

	t.Run("a second Sync writes nothing", func(t *testing.T) {
		if err := p.Sync(ctx, []operators.SIPAccount{acct}); err != nil {
			t.Fatal(err)
		}
		if n := ast.take(); n != 0 {
			t.Fatalf("second Sync wrote %d objects, want 0", n)
		}
		// Asterisk itself accepts a PUT that changes nothing (and rewrites the object):
		// skipping it is Sync's choice, not a workaround for a refusal.
		auth := sipaccounts.Objects(acct)[0]
		if _, err := c.Asterisk().UpdateConfig(ctx, "res_pjsip", auth.Type, auth.ID, auth.Fields); err != nil {
			t.Fatalf("PUT of an unchanged auth: %v", err)
		}
	})

	events := watchEndpoint(t, c, login)
	if ep, err := c.Endpoints().Get(ctx, "PJSIP", login); err != nil || ep.State != ari.EndpointStateOffline {
		t.Fatalf("endpoint before registering = %+v, %v; want offline", ep, err)
	}

	t.Run("a wrong password is refused", func(t *testing.T) {
		res := register(t, env, login, "wrong-"+password, 0)
		res.wait(t)
		res.mustBeRefused(t)
		if ep, err := c.Endpoints().Get(ctx, "PJSIP", login); err != nil || ep.State != ari.EndpointStateOffline {
			t.Fatalf("endpoint after a refused registration = %+v, %v; want offline", ep, err)
		}
	})

	t.Run("the right password registers and the endpoint goes online", func(t *testing.T) {
		// The softphone stays up, answering Asterisk's qualify OPTIONS, until the
		// endpoint is seen online.
		res := register(t, env, login, password, 30*time.Second)
		waitOnline(t, c, login)
		events.waitOnline(t)
		res.stop()
	})

	t.Run("a drifted aor is created again, never rewritten with its contacts", func(t *testing.T) {
		// Rewriting an aor that has a registered contact stores the contact in the
		// aor as a permanent one: the reason Sync never rewrites an aor.
		got, err := c.Asterisk().UpdateConfig(ctx, "res_pjsip", "aor", login,
			[]ari.ConfigTuple{{Attribute: "qualify_frequency", Value: "30"}})
		if err != nil {
			t.Fatal(err)
		}
		if v := tupleValue(got, "contact"); v == "" {
			t.Log("this Asterisk no longer keeps registered contacts in a rewritten aor")
		} else {
			t.Logf("rewritten aor holds contact %q", v)
		}
		if err := p.Sync(ctx, []operators.SIPAccount{acct}); err != nil {
			t.Fatal(err)
		}
		// Delete and create; again when the new aor caught the contacts Asterisk had
		// not yet dropped with the old one.
		if n := ast.take(); n < 2 || n%2 != 0 {
			t.Errorf("Sync of a drifted aor wrote %d times, want deletes and creates in pairs", n)
		} else {
			t.Logf("the drifted aor took %d writes", n)
		}
		// Asterisk drops the contacts of a deleted aor asynchronously; a permanent one
		// would stay for good.
		eventually(t, "the aor has qualify_frequency 15 and no contact", func() bool {
			got, err = c.Asterisk().GetConfig(ctx, "res_pjsip", "aor", login)
			return err == nil && tupleValue(got, "qualify_frequency") == "15" && tupleValue(got, "contact") == ""
		})
	})

	t.Run("a changed password is applied", func(t *testing.T) {
		newPassword := "pw2-" + testenv.RandomSuffix(12)
		acct = account(login, newPassword, true)
		if err := p.Sync(ctx, []operators.SIPAccount{acct}); err != nil {
			t.Fatal(err)
		}
		if n := ast.take(); n != 1 {
			t.Errorf("Sync after a new password wrote %d objects, want 1 (the auth)", n)
		}
		old := register(t, env, login, password, 0)
		old.wait(t)
		old.mustBeRefused(t)
		res := register(t, env, login, newPassword, 0)
		res.wait(t)
		if res.err != nil {
			t.Fatalf("registering with the new password failed: %v\n%s", res.err, res.output())
		}
	})

	t.Run("disabling removes the account", func(t *testing.T) {
		acct.Active = false
		if err := p.Sync(ctx, []operators.SIPAccount{acct}); err != nil {
			t.Fatal(err)
		}
		// The endpoint's state goes away asynchronously after its configuration.
		eventually(t, "the endpoint of a disabled account is gone (404)", func() bool {
			_, err := c.Endpoints().Get(ctx, "PJSIP", login)
			return ari.IsNotFound(err)
		})
		for _, typ := range []string{"endpoint", "aor", "auth"} {
			if _, err := c.Asterisk().GetConfig(ctx, "res_pjsip", typ, login); !ari.IsNotFound(err) {
				t.Errorf("%s of a disabled account: %v, want 404", typ, err)
			}
		}
		ast.take()
		if err := p.Sync(ctx, []operators.SIPAccount{acct}); err != nil {
			t.Fatal(err)
		}
		if n := ast.take(); n != 0 {
			t.Errorf("Sync of an account already removed wrote %d times", n)
		}
		res := register(t, env, login, password, 0)
		res.wait(t)
		if res.err == nil {
			t.Fatal("a disabled account registered")
		}
		t.Logf("registering a disabled account: %v", res.err)
	})
}

// waitOnline polls the endpoint until it is online, for at most 10 seconds.
func waitOnline(t *testing.T, c *ari.Client, login string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ep, err := c.Endpoints().Get(t.Context(), "PJSIP", login)
		if err == nil && ep.State == ari.EndpointStateOnline {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("endpoint not online within 10s: %+v, %v", ep, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// endpointEvents watches one endpoint through a Stasis application of the test's own.
type endpointEvents struct {
	online  chan struct{}
	contact chan ari.ContactStatus
}

func watchEndpoint(t *testing.T, c *ari.Client, login string) *endpointEvents {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	app := "sipTest-" + testenv.RandomSuffix(8)
	s := c.Subscribe(ctx, app)
	t.Cleanup(func() {
		cancel()
		<-s.Done()
	})
	e := &endpointEvents{online: make(chan struct{}), contact: make(chan ari.ContactStatus, 16)}
	connected := make(chan struct{})
	go func() {
		closed := false
		for ev := range s.Events() {
			switch ev := ev.(type) {
			case *ari.Connected:
				if !ev.Reconnect {
					close(connected)
				}
			case *ari.EndpointStateChange:
				if ev.Endpoint.Resource == login && ev.Endpoint.State == ari.EndpointStateOnline && !closed {
					close(e.online)
					closed = true
				}
			case *ari.ContactStatusChange:
				if ev.Endpoint.Resource == login {
					select {
					case e.contact <- ev.ContactInfo.ContactStatus:
					default:
					}
				}
			}
		}
	}()
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("event stream did not connect")
	}
	if _, err := c.Applications().Subscribe(t.Context(), app, ari.EndpointSource("PJSIP", login)); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *endpointEvents) waitOnline(t *testing.T) {
	t.Helper()
	select {
	case <-e.online:
	case <-time.After(10 * time.Second):
		t.Fatal("no EndpointStateChange to online within 10s")
	}
	// Qualify (OPTIONS, answered by the softphone) makes the contact Reachable.
	deadline := time.After(10 * time.Second)
	for {
		select {
		case st := <-e.contact:
			t.Logf("ContactStatusChange: %s", st)
			if st == ari.ContactReachable {
				return
			}
		case <-deadline:
			t.Fatal("no ContactStatusChange to Reachable within 10s")
		}
	}
}

// sippRegister is one sipp softphone registering (testdata/register.xml).
type sippRegister struct {
	cmd  *exec.Cmd
	dir  string
	out  bytes.Buffer
	done chan struct{}
	err  error
}

// register starts sipp registering as login with password; after a successful
// registration it stays up for hold, answering OPTIONS.
func register(t *testing.T, env testenv.AsteriskEnv, login, password string, hold time.Duration) *sippRegister {
	t.Helper()
	scen, err := filepath.Abs(filepath.Join("testdata", "register.xml"))
	if err != nil {
		t.Fatal(err)
	}
	r := &sippRegister{dir: t.TempDir(), done: make(chan struct{})}
	r.cmd = exec.Command("sipp", "-m", "1", "-sf", scen, "-i", "127.0.0.1", "-p", strconv.Itoa(freeUDPPort(t)),
		"-s", login, "-au", login, "-ap", password, "-d", strconv.FormatInt(hold.Milliseconds(), 10),
		"-aa", "-nostdin", "-trace_err", "-timeout", "60s", "-timeout_error",
		fmt.Sprintf("%s:%d", env.SIPHost, env.SIPPort))
	r.cmd.Dir = r.dir
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		r.err = r.cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(r.stop)
	return r
}

// wait waits for sipp to end, for at most 30 seconds.
func (r *sippRegister) wait(t *testing.T) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		r.stop()
		t.Fatalf("sipp did not finish within 30s\n%s", r.output())
	}
}

// stop ends sipp if it still runs.
func (r *sippRegister) stop() {
	select {
	case <-r.done:
	default:
		r.cmd.Process.Kill()
		<-r.done
	}
}

var refusal = regexp.MustCompile(`received 'SIP/2\.0 40[13] `)

// mustBeRefused checks that sipp failed because the registrar answered the
// authenticated REGISTER with 401 or 403.
func (r *sippRegister) mustBeRefused(t *testing.T) {
	t.Helper()
	if r.err == nil {
		t.Fatal("registration succeeded, want it refused")
	}
	if !refusal.MatchString(r.output()) {
		t.Fatalf("sipp failed (%v) but not with a 401 or 403 to the authenticated REGISTER:\n%s", r.err, r.output())
	}
}

// output is sipp's screen and error log.
func (r *sippRegister) output() string {
	var b bytes.Buffer
	b.Write(r.out.Bytes())
	logs, _ := filepath.Glob(filepath.Join(r.dir, "*_errors.log"))
	for _, f := range logs {
		data, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "--- %s\n%s\n", filepath.Base(f), data)
	}
	return b.String()
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

func tupleValue(ts []ari.ConfigTuple, attr string) string {
	for _, t := range ts {
		if t.Attribute == attr {
			return t.Value
		}
	}
	return ""
}

// eventually waits up to 5 seconds for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within 5s: %s", what)
		}
	}
}
