package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"text/template"
	"time"

	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/config"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/testenv"
)

// fastCalls makes a controller quick to test: a one-second greeting, no menu, no
// announcements, a short wrap-up and ring time.
func fastCalls(cfg *config.Config) {
	cfg.Greeting = "sound:ikomek-queue-position"
	cfg.LanguageMenu = false
	cfg.AnnounceEvery = 0
	cfg.WrapUp = 2 * time.Second
	cfg.RingTimeout = 5 * time.Second
	cfg.MaxMissed = 3
}

// render writes a scenario template with data into a temporary file.
func render(t testing.TB, name string, data any) string {
	t.Helper()
	tpl, err := template.ParseFiles(filepath.Join("scenarios", name))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), name)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := tpl.Execute(f, data); err != nil {
		t.Fatal(err)
	}
	return out
}

// phone is an operator's softphone played by sipp: registered with digest auth,
// taking calls on its own port.
type phone struct {
	Login, Password string
	Port            int
	uas             *sippRun
}

type phoneOpts struct {
	Calls    int
	NoAnswer bool
	AnswerMS int
	SpeakMS  int
}

// newOperator creates an operator of line 109 in the database and provisions its SIP
// account.
func newOperator(t testing.TB, c *controller, langs ...string) (login, password string) {
	t.Helper()
	return newLineOperator(t, c, "109", langs...)
}

// newLineOperator is newOperator for the operators of a line (109, or 556655 for QC).
func newLineOperator(t testing.TB, c *controller, line string, langs ...string) (login, password string) {
	t.Helper()
	ctx := context.Background()
	login = "op" + testenv.RandomSuffix(6)
	password = "pw-" + testenv.RandomSuffix(10)
	if _, err := c.DB.Operators().Create(ctx, operators.NewOperator{Login: login, FullName: "Operator " + login,
		Languages: langs, Lines: []string{line}, SIPPassword: password}); err != nil {
		t.Fatal(err)
	}
	if err := c.SyncOperators(ctx); err != nil {
		t.Fatalf("provisioning: %v", err)
	}
	t.Cleanup(func() {
		off := false
		c.DB.Operators().Update(context.Background(), login, operators.Patch{Active: &off})
		c.SyncOperators(context.Background())
	})
	return login, password
}

// startPhone starts the operator's phone and registers it.
func startPhone(t testing.TB, c *controller, login, password string, o phoneOpts) *phone {
	t.Helper()
	if o.Calls == 0 {
		o.Calls = 1
	}
	p := &phone{Login: login, Password: password, Port: freeUDPPort(t)}
	scen := render(t, "operator.xml", o)
	// No call limit: qualify OPTIONS count as calls too. Stopped when the test ends.
	p.uas = startSipp(t, c.Ast, scen, "-p", strconv.Itoa(p.Port), "-timeout", "2h")
	reg := render(t, "register.xml", map[string]any{"Login": login, "Password": password, "ContactPort": p.Port})
	startSipp(t, c.Ast, reg, "-m", "1").wait(t, 15*time.Second)
	return p
}

// ready logs the operator in and waits until the softphone is known registered.
func ready(t testing.TB, c *controller, p *phone) {
	t.Helper()
	ctx := context.Background()
	login := p.Login
	deadline := time.Now().Add(20 * time.Second)
	for {
		l, err := c.Presence.Live(ctx, login)
		if err == nil && l.Registered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not registered after 20 s; phone:\n%s\n%s", login, p.uas.out.String(), p.uas.traces())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := c.Presence.Login(ctx, login); err != nil {
		t.Fatal(err)
	}
}

type callerOpts struct {
	Caller  string
	Line    string
	Digits  []string
	SpeakMS int
	HoldMS  int
	RestMS  int
}

// dial places one citizen call.
func dial(t testing.TB, c *controller, o callerOpts) *sippRun {
	t.Helper()
	return startSipp(t, c.Ast, callerScenario(t, o), "-m", "1")
}

// callerScenario renders the citizen scenario.
func callerScenario(t testing.TB, o callerOpts) string {
	if o.Line == "" {
		o.Line = "109"
	}
	o.RestMS = max(0, o.HoldMS-o.SpeakMS)
	return render(t, "caller.xml", o)
}

// callOf waits for the call of a caller number to end and returns it.
func callOf(t *testing.T, c *controller, caller string) calls.Call {
	t.Helper()
	ctx := context.Background()
	var call calls.Call
	waitFor(t, 60*time.Second, "call of "+caller+" to end", func() bool {
		var id int64
		if err := c.DB.Pool.QueryRow(ctx, `SELECT id FROM calls WHERE caller_number = $1 AND ended_at IS NOT NULL`, caller).Scan(&id); err != nil {
			return false
		}
		var err error
		call, err = c.DB.Calls().Get(ctx, id)
		return err == nil
	})
	return call
}

func events(t *testing.T, c *controller, callID int64) []calls.Event {
	t.Helper()
	evs, err := c.DB.Calls().Events(context.Background(), callID)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func eventsOf(evs []calls.Event, typ string) []calls.Event {
	var out []calls.Event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

var rmsRE = regexp.MustCompile(`RMS\s+amplitude:\s+([0-9.]+)`)

// rms returns the RMS amplitude of a WAV file between from and to seconds (sox).
func rms(t *testing.T, path string, from, to float64) float64 {
	t.Helper()
	out, err := exec.Command("sox", path, "-n", "trim", fmt.Sprint(from), fmt.Sprint(to-from), "stat").CombinedOutput()
	if err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	m := rmsRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no RMS in sox output:\n%s", out)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}
