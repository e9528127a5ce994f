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
