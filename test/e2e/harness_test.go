// Package e2e places real calls: sipp plays citizens (and operators) over SIP with real
// RTP audio, through the project's test Asterisk, to a controller wired exactly as
// ikomekd wires it.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/ikomek/ikomek/internal/app"
	"github.com/ikomek/ikomek/internal/ari"
	"github.com/ikomek/ikomek/internal/config"
	"github.com/ikomek/ikomek/internal/testenv"
)

// controller is an ikomekd running inside the test.
type controller struct {
	*app.App
	Ast  testenv.AsteriskEnv
	logs *bytes.Buffer
	cfg  config.Config
	stop func()
}

// startController runs a controller on a fresh database against the test Asterisk and
// waits until its ARI events socket is connected.
func startController(t *testing.T, tweak func(*config.Config)) *controller {
	return startControllerTB(t, tweak)
}

// startControllerTB is startController for tests and benchmarks.
func startControllerTB(t testing.TB, tweak func(*config.Config)) *controller {
	t.Helper()
	ast := testenv.Asterisk(t)
	dsn := testenv.PostgresDSN(t)
	cfg := config.Config{
		HTTPAddr: "127.0.0.1:0", DatabaseURL: dsn, RedisURL: testenv.RedisURL(),
		RedisPrefix: "ikomek-e2e:" + testenv.RandomSuffix(8) + ":",
		ARIURL:      ast.ARIURL, ARIUser: ast.ARIUser, ARIPassword: ast.ARIPassword, ARIApp: ast.ARIApp,
		RecordingsDir: t.TempDir(), Greeting: "sound:ikomek-greeting", Language: "ru",
		Shutdown: 5 * time.Second, LogLevel: "debug", LogFormat: "text",
		RingTimeout: 20 * time.Second, WrapUp: 30 * time.Second, AnnounceEvery: 45 * time.Second,
		LanguageMenu: true, MaxMissed: 3,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	hangUpLeftovers(t, ast)
	t.Cleanup(func() { deleteKeys(cfg.RedisPrefix) })
	return runController(t, ast, cfg)
}

// runController runs a controller with cfg until the test ends or it is stopped.
func runController(t testing.TB, ast testenv.AsteriskEnv, cfg config.Config) *controller {
	t.Helper()
	logs := &bytes.Buffer{}
	var lvl slog.Level
	lvl.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(io.MultiWriter(logs, testWriter{t}), &slog.HandlerOptions{Level: lvl}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	c := &controller{App: a, Ast: ast, logs: logs, cfg: cfg}
	var once sync.Once
	c.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				t.Error("controller did not stop")
			}
			a.Close()
		})
	}
	t.Cleanup(c.stop)
	waitFor(t, 15*time.Second, "controller ready", func() bool {
		resp, err := http.Get("http://" + a.Addr() + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return c
}

// restart stops the controller and starts a new one on the same database, Redis and
// Asterisk, as after a crash or a deployment.
func (c *controller) restart(t testing.TB) *controller {
	t.Helper()
	c.stop()
	return runController(t, c.Ast, c.cfg)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func waitFor(t testing.TB, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// udpBlocks hands out blocks of four UDP ports from 20000-29999: below Linux's ephemeral
// range (so no socket the system picks can take them) and away from the test Asterisk's
// RTP ports. A block is never handed out twice in one process, so a port given to one
// sipp that has not bound it yet cannot go to another.
var udpBlocks struct {
	sync.Mutex
	next int
}

const udpBlockFirst, udpBlockLast = 20000, 29996

// freeUDPPort returns the first of four consecutive UDP ports that are free now: sipp
// binds its SIP socket on one, and its media on four (audio RTP and RTCP at -mp and
// -mp+1, video at -mp+2 and -mp+3). The first is even, as RTP wants.
func freeUDPPort(t testing.TB) int {
	t.Helper()
	udpBlocks.Lock()
	defer udpBlocks.Unlock()
	if udpBlocks.next == 0 {
		udpBlocks.next = udpBlockFirst + 4*rand.IntN((udpBlockLast-udpBlockFirst)/4)
	}
	for tries := 0; tries < (udpBlockLast-udpBlockFirst)/4; tries++ {
		port := udpBlocks.next
		if udpBlocks.next += 4; udpBlocks.next > udpBlockLast {
			udpBlocks.next = udpBlockFirst
		}
		if udpPortsFree(port, 4) {
			return port
		}
	}
	t.Fatal("no four free UDP ports in 20000-29999")
	return 0
}

func udpPortsFree(first, n int) bool {
	var held []net.PacketConn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for p := first; p < first+n; p++ {
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return false
		}
		held = append(held, c)
	}
	return true
}

// sippRun is a sipp process playing one side of calls.
type sippRun struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan error
	dir  string
}

// startSipp runs sipp with a scenario of test/e2e/scenarios against the test Asterisk.
func startSipp(t testing.TB, ast testenv.AsteriskEnv, scenario string, args ...string) *sippRun {
	t.Helper()
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Fatal("sipp is not installed (Debian package sip-tester; `make deps`)")
	}
	dir := t.TempDir()
	scen := scenario
	if !filepath.IsAbs(scen) {
		scen, _ = filepath.Abs(filepath.Join("scenarios", scenario))
	}
	timeout := "120s"
	for i, a := range args {
		if a == "-timeout" && i+1 < len(args) {
			timeout, args = args[i+1], append(append([]string{}, args[:i]...), args[i+2:]...)
			break
		}
	}
	full := append([]string{"-sf", scen, "-i", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-aa",
		"-nostdin", "-trace_err", "-trace_screen", "-timeout", timeout, "-timeout_error",
		fmt.Sprintf("%s:%d", ast.SIPHost, ast.SIPPort)}, args...)
	s := &sippRun{cmd: exec.Command("sipp", full...), done: make(chan error, 1), dir: dir}
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// wait waits for sipp to exit and fails the test unless every call succeeded.
func (s *sippRun) wait(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			t.Fatalf("sipp failed: %v\n%s\n%s", err, s.out.String(), s.traces())
		}
	case <-time.After(d):
		s.cmd.Process.Kill()
		t.Fatalf("sipp did not finish within %s\n%s", d, s.traces())
	}
}

func (s *sippRun) traces() string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(s.dir, "*.log"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if len(data) > 4000 {
			data = data[len(data)-4000:]
		}
		fmt.Fprintf(&b, "--- %s\n%s\n", filepath.Base(f), data)
	}
	return b.String()
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// hangUpLeftovers ends calls that an earlier, interrupted run left in the test
// Asterisk (citizen channels and operator legs), which a new controller would
// otherwise adopt.
func hangUpLeftovers(t testing.TB, ast testenv.AsteriskEnv) {
	t.Helper()
	c, err := ari.NewClient(ast.ARIURL, ast.ARIUser, ast.ARIPassword)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	chans, err := c.Channels().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range chans {
		if strings.HasPrefix(ch.Name, "PJSIP/citizens-") || strings.Contains(ch.ID, "-op") {
			c.Channels().Hangup(ctx, ch.ID, ari.HangupNormal)
		}
	}
}

// deleteKeys removes a test controller's live state from Redis.
func deleteKeys(prefix string) {
	opt, err := goredis.ParseURL(testenv.RedisURL())
	if err != nil {
		return
	}
	rdb := goredis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}
