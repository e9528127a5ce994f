// Package testenv gives integration and end-to-end tests the real servers they need:
// a fresh migrated PostgreSQL database per test, an isolated Redis key space, and the
// project's test Asterisk instance (started when it is not running).
//
// With `go test -short` every test that asks for a server is skipped, so unit tests
// need nothing. Without -short a missing server is a failure, never a silent skip.
package testenv

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"

	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/migrations"
)

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func skipShort(tb testing.TB, what string) {
	tb.Helper()
	if testing.Short() {
		tb.Skipf("needs %s; skipped with -short", what)
	}
}

// RepoRoot is the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// RandomSuffix returns n random hex digits, for names that must not collide.
func RandomSuffix(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// AdminDSN is the PostgreSQL URL tests use to create and drop their databases:
// IKOMEK_TEST_DATABASE_URL, or else the local server as user postgres, through its
// Unix socket when that accepts the user (as a controller on the database's host
// would connect: a round trip costs less than over TCP) and otherwise through
// 127.0.0.1:5432.
func AdminDSN() string {
	if v := os.Getenv("IKOMEK_TEST_DATABASE_URL"); v != "" {
		return v
	}
	adminOnce.Do(func() {
		adminDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
		const socket = "postgres://postgres@/postgres?host=/var/run/postgresql&sslmode=disable"
		if _, err := os.Stat("/var/run/postgresql/.s.PGSQL.5432"); err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, socket); err == nil {
			c.Close(ctx)
			adminDSN = socket
		}
	})
	return adminDSN
}

var (
	adminOnce sync.Once
	adminDSN  string
)

// dsnFor returns AdminDSN, a URL, pointed at database name.
func dsnFor(name string) string { return DSNAs("", name) }

// DSNAs returns AdminDSN, a URL, for user (when not "") and database name.
// Everything else in it is kept, a Unix socket directory given as
// ?host=/var/run/postgresql included.
func DSNAs(user, name string) string {
	u, err := url.Parse(AdminDSN())
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		panic(fmt.Sprintf("testenv: IKOMEK_TEST_DATABASE_URL must be a postgres:// URL: %q", AdminDSN()))
	}
	if user != "" {
		u.User = url.User(user)
	}
	u.Path = "/" + name
	return u.String()
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// migrationsHash names the template database after the migrations it holds, so a
// changed migration gets a new template.
func migrationsHash() string {
	h := sha256.New()
	fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(migrations.FS, path)
			h.Write([]byte(path))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func ensureTemplate(ctx context.Context) (string, error) {
	name := "ikomek_tpl_" + migrationsHash()
	admin, err := pgx.Connect(ctx, AdminDSN())
	if err != nil {
		return "", fmt.Errorf("connect %s: %w", AdminDSN(), err)
	}
	defer admin.Close(ctx)
	// Test binaries of several packages run at once: one builds the template.
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(1090001)`); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), `SELECT pg_advisory_unlock(1090001)`)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	admin.Exec(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+building); err != nil {
		return "", err
	}
	if _, err := postgres.Migrate(ctx, dsnFor(building)); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+building+` RENAME TO `+name); err != nil {
		return "", err
	}
	return name, nil
}

// PostgresDSN creates a fresh database with every migration applied, dropped when the
// test ends, and returns its URL.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	skipShort(tb, "PostgreSQL")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx) })
	if templateErr != nil {
		tb.Fatalf("testenv: PostgreSQL template: %v (is PostgreSQL running? `make services`)", templateErr)
	}
	admin, err := pgx.Connect(ctx, AdminDSN())
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	defer admin.Close(ctx)
	name := "ikomek_t_" + RandomSuffix(12)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name+` TEMPLATE `+templateName); err != nil {
		tb.Fatalf("testenv: create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, AdminDSN())
		if err != nil {
			tb.Errorf("testenv: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			tb.Errorf("testenv: drop %s: %v", name, err)
		}
	})
	return dsnFor(name)
}

// Postgres returns a pool on a fresh migrated database (see PostgresDSN).
func Postgres(tb testing.TB) *postgres.DB {
	tb.Helper()
	dsn := PostgresDSN(tb)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	tb.Cleanup(db.Close)
	return db
}

// RedisURL is the Redis server tests use.
func RedisURL() string { return env("IKOMEK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0") }

// Redis returns a client and a key prefix of the test's own; keys under the prefix are
// deleted when the test ends.
func Redis(tb testing.TB) (*goredis.Client, string) {
	tb.Helper()
	skipShort(tb, "Redis")
	opt, err := goredis.ParseURL(RedisURL())
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	c := goredis.NewClient(opt)
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		tb.Fatalf("testenv: Redis at %s: %v (is it running? `make services`)", RedisURL(), err)
	}
	prefix := "ikomek-test:" + RandomSuffix(10) + ":"
	tb.Cleanup(func() {
		iter := c.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
		for iter.Next(context.Background()) {
			c.Del(context.Background(), iter.Val())
		}
		c.Close()
	})
	return c, prefix
}

// AsteriskEnv is how to reach the test Asterisk.
type AsteriskEnv struct {
	ARIURL      string // e.g. http://127.0.0.1:18088/ari
	ARIUser     string
	ARIPassword string
	ARIApp      string // the app the dialplan hands 109 and 556655 calls to
	SIPHost     string
	SIPPort     int
	Dir         string // the instance's folder (spool, logs) as seen from this machine
}

var (
	astOnce sync.Once
	astEnv  AsteriskEnv
	astErr  error
)

// Asterisk returns the test Asterisk instance, starting it with the project's stack
// script when it is not answering.
func Asterisk(tb testing.TB) AsteriskEnv {
	tb.Helper()
	skipShort(tb, "Asterisk")
	astOnce.Do(func() { astEnv, astErr = startAsterisk() })
	if astErr != nil {
		tb.Fatalf("testenv: Asterisk: %v", astErr)
	}
	return astEnv
}

func startAsterisk() (AsteriskEnv, error) {
	script := filepath.Join(RepoRoot(), "deploy", "local", "stack.sh")
	cmd := exec.Command(script, "asterisk-up", "test")
	if out, err := cmd.CombinedOutput(); err != nil {
		return AsteriskEnv{}, fmt.Errorf("%s asterisk-up test: %v\n%s", script, err, out)
	}
	out, err := exec.Command(script, "asterisk-env", "test").Output()
	if err != nil {
		return AsteriskEnv{}, fmt.Errorf("%s asterisk-env test: %v", script, err)
	}
	kv := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			kv[k] = v
		}
	}
	port, _ := strconv.Atoi(kv["IKOMEK_SIP_PORT"])
	e := AsteriskEnv{
		ARIURL: kv["IKOMEK_ARI_URL"], ARIUser: kv["IKOMEK_ARI_USER"], ARIPassword: kv["IKOMEK_ARI_PASSWORD"],
		ARIApp: kv["IKOMEK_ARI_APP"], SIPHost: kv["IKOMEK_SIP_HOST"], SIPPort: port, Dir: kv["IKOMEK_ASTERISK_DIR"],
	}
	if e.ARIURL == "" || port == 0 {
		return e, fmt.Errorf("incomplete settings from %s asterisk-env test:\n%s", script, out)
	}
	return e, nil
}
