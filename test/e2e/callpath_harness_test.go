package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/config"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/recordings"
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
	Caller string
	Line   string
	// Digits are keys pressed after the answer, one a second (RFC 4733 events).
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
	digits := o.Digits
	o.Digits = nil
	for _, d := range digits {
		o.Digits = append(o.Digits, dtmfCapture(t, d))
	}
	return render(t, "caller.xml", o)
}

// dtmfCapture writes a capture of one key press for sipp's play_pcap_audio and returns
// its path. sipp ships one capture per key, but here Asterisk reported only the keys of
// the captures of 0, 1 and 2 (no ChannelDtmfReceived ever came for 3 to 9; those were
// recorded later in the same session and differ only in sequence numbers, timestamps
// and the event code), so every key is made from the capture of 1 with the RFC 4733
// event code changed: same packets, same timing.
func dtmfCapture(t testing.TB, key string) string {
	t.Helper()
	code := strings.Index("0123456789*#", key)
	if len(key) != 1 || code < 0 {
		t.Fatalf("no DTMF key %q", key)
	}
	data, err := os.ReadFile("/usr/share/sip-tester/dtmf_2833_1.pcap")
	if err != nil {
		t.Fatal(err)
	}
	// pcap: a 24-byte file header, then per packet a 16-byte record header and an
	// Ethernet frame: 14 bytes, the IPv4 header, 8 bytes of UDP, 12 of RTP, and the
	// event: its code is the payload's first byte.
	for off := 24; off+16 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[off+8:]))
		frame := data[off+16 : off+16+n]
		ihl := int(frame[14]&0x0f) * 4
		event := 14 + ihl + 8 + 12
		if frame[14+ihl+8+1]&0x7f != 101 || event >= len(frame) {
			t.Fatalf("dtmf_2833_1.pcap: unexpected packet at %d", off)
		}
		frame[event] = byte(code)
		off += 16 + n
	}
	path := filepath.Join(t.TempDir(), "dtmf_"+strconv.Itoa(code)+".pcap")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
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

// storedRecording waits for the one recording of a call to be stored and returns it.
func storedRecording(t *testing.T, c *controller, callID int64) recordings.Rec {
	t.Helper()
	var rec recordings.Rec
	waitFor(t, 30*time.Second, "the recording to be stored", func() bool {
		rs, err := c.DB.Recordings().ByCall(context.Background(), callID)
		if err != nil || len(rs) != 1 || rs[0].State != recordings.Stored {
			return false
		}
		rec = rs[0]
		return true
	})
	return rec
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
