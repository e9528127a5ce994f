package config

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
)

func parse(t *testing.T, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var c Config
	p, err := kong.New(&c, kong.Name("ikomekd"), kong.Exit(func(int) {}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse(args); err != nil {
		return nil, err
	}
	return &c, c.Validate()
}

func TestLayers(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := parse(t, []string{"--ari-password=x"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.HTTPAddr != "127.0.0.1:8080" || c.ARIApp != "ikomek" || c.Shutdown != 10*time.Second {
			t.Fatalf("defaults: %+v", c)
		}
	})
	t.Run("environment over defaults, flags over environment", func(t *testing.T) {
		c, err := parse(t, []string{"--ari-app=flagapp"}, map[string]string{
			"IKOMEK_ARI_APP": "envapp", "IKOMEK_HTTP_ADDR": "127.0.0.1:0", "IKOMEK_ARI_PASSWORD": "s3cret",
		})
		if err != nil {
			t.Fatal(err)
		}
		if c.ARIApp != "flagapp" || c.HTTPAddr != "127.0.0.1:0" || c.ARIPassword != "s3cret" {
			t.Fatalf("layers: %+v", c)
		}
	})
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing password", nil, "ari-password is empty"},
		{"bad http addr", []string{"--ari-password=x", "--http-addr=nope"}, "http-addr"},
		{"bad database url", []string{"--ari-password=x", "--database-url=mysql://x"}, "database-url"},
		{"ari url with slash", []string{"--ari-password=x", "--ari-url=http://h:8088/ari/"}, "must not end with /"},
		{"bad app", []string{"--ari-password=x", "--ari-app=a b"}, "ari-app"},
		{"bad language", []string{"--ari-password=x", "--language=en"}, "language"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.args, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	t.Run("bad log level refused by the parser", func(t *testing.T) {
		if _, err := parse(t, []string{"--ari-password=x", "--log-level=loud"}, nil); err == nil {
			t.Fatal("accepted --log-level=loud")
		}
	})
}

func TestSecretsRedacted(t *testing.T) {
	c, err := parse(t, []string{"--ari-password=topsecret", "--database-url=postgres://u:dbpass@h/db?sslmode=disable",
		"--redis-url=redis://:redispass@127.0.0.1:6379/0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	c.Logger(&buf).Info("config", c.LogAttrs()...)
	out := buf.String()
	for _, secret := range []string{"topsecret", "dbpass", "redispass"} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q printed: %s", secret, out)
		}
	}
	if !strings.Contains(out, "ari_app=ikomek") || !strings.Contains(out, "REDACTED") {
		t.Errorf("settings missing from %s", out)
	}
}

func TestStaffingClock(t *testing.T) {
	t.Run("defaults are 30 minutes on UTC+05:00", func(t *testing.T) {
		c, err := parse(t, []string{"--ari-password=x"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := c.Staffing()
		if c.StaffingInterval != 30*time.Minute || c.StaffingZone != "+05:00" || s.Interval != 30*time.Minute {
			t.Fatalf("defaults: %v %q", c.StaffingInterval, c.StaffingZone)
		}
		if _, off := time.Date(2026, 1, 1, 0, 0, 0, 0, s.Location).Zone(); off != 5*3600 {
			t.Fatalf("zone offset %d", off)
		}
	})
	t.Run("environment and flags", func(t *testing.T) {
		c, err := parse(t, []string{"--ari-password=x", "--staffing-zone=-03:30"}, map[string]string{
			"IKOMEK_STAFFING_INTERVAL": "15m", "IKOMEK_STAFFING_ZONE": "+06:00"})
		if err != nil {
			t.Fatal(err)
		}
		s := c.Staffing()
		_, off := time.Date(2026, 1, 1, 0, 0, 0, 0, s.Location).Zone()
		if s.Interval != 15*time.Minute || off != -(3*3600+30*60) {
			t.Fatalf("staffing %v, offset %d", s.Interval, off)
		}
	})
	t.Run("a zone name", func(t *testing.T) {
		c, err := parse(t, []string{"--ari-password=x", "--staffing-zone=UTC"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Staffing().Location != time.UTC {
			t.Fatalf("location %v", c.Staffing().Location)
		}
	})
	t.Run("zero values of a configuration built in code take the defaults", func(t *testing.T) {
		var c Config
		if s := c.Staffing(); s.Interval != 30*time.Minute || s.Location.String() != "UTC+05:00" {
			t.Fatalf("staffing %+v", s)
		}
	})
	t.Run("printed at start", func(t *testing.T) {
		c, err := parse(t, []string{"--ari-password=x", "--staffing-interval=1h"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		c.Logger(&buf).Info("config", c.LogAttrs()...)
		if !strings.Contains(buf.String(), "staffing_interval=1h0m0s") || !strings.Contains(buf.String(), "staffing_zone=UTC+05:00") {
			t.Fatalf("staffing settings missing from %s", buf.String())
		}
	})
	for name, args := range map[string][]string{
		"interval not dividing a day": {"--staffing-interval=7m"},
		"interval too short":          {"--staffing-interval=1m"},
		"interval over a day":         {"--staffing-interval=48h"},
		"interval with seconds":       {"--staffing-interval=450s"},
		"negative interval":           {"--staffing-interval=-30m"},
		"offset out of range":         {"--staffing-zone=+25:00"},
		"offset without colon":        {"--staffing-zone=+0500"},
		"unknown zone":                {"--staffing-zone=Mars/Olympus"},
	} {
		t.Run(name+" is refused", func(t *testing.T) {
			_, err := parse(t, append([]string{"--ari-password=x"}, args...), nil)
			if err == nil || !strings.Contains(err.Error(), "staffing-") {
				t.Fatalf("err = %v, want it to name the staffing setting", err)
			}
		})
	}
}
