package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/app"
	"github.com/ikomek/ikomek/internal/config"
	"github.com/ikomek/ikomek/internal/testenv"
)

// Without Asterisk the controller still starts: it serves its API, says it is alive,
// reports why it is not ready, and keeps retrying ARI.
func TestStartsWithoutAsterisk(t *testing.T) {
	cfg := config.Config{
		HTTPAddr: "127.0.0.1:0", DatabaseURL: testenv.PostgresDSN(t), RedisURL: testenv.RedisURL(),
		RedisPrefix: "ikomek-app-test:" + testenv.RandomSuffix(6) + ":",
		ARIURL:      "http://127.0.0.1:1/ari", ARIUser: "ikomek", ARIPassword: "secret", ARIApp: "ikomek",
		RecordingsDir: t.TempDir(), Greeting: "sound:ikomek-greeting", Language: "ru", Shutdown: 2 * time.Second,
		RingTimeout: 20 * time.Second, WrapUp: 30 * time.Second, MaxMissed: 3, LogLevel: "error", LogFormat: "text",
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		<-done
		a.Close()
	}()
	get := func(path string) (int, map[string]string) {
		var resp *http.Response
		for i := 0; i < 50; i++ {
			if resp, err = http.Get("http://" + a.Addr() + path); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]string
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if code, body := get("/healthz"); code != 200 || body["status"] != "ok" {
		t.Fatalf("healthz = %d %v", code, body)
	}
	code, body := get("/readyz")
	if code != 503 || body["postgres"] != "ok" || body["redis"] != "ok" || !strings.Contains(body["ari"], "connecting") {
		t.Fatalf("readyz = %d %v", code, body)
	}
	resp, err := http.Get("http://" + a.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(m), "ikomek_ari_connected 0") || !strings.Contains(string(m), "ikomek_ari_reconnects_total 0") {
		t.Fatalf("metrics lack the ARI state:\n%.2000s", m)
	}
}
