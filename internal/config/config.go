// Package config is the controller's configuration: defaults, then environment
// variables, then command-line flags; validated once and printed with secrets redacted.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
)

// Config holds every setting of ikomekd. The struct tags drive the command line
// (kong): each field is a flag, read from its environment variable when the flag is
// not given.
type Config struct {
	HTTPAddr    string `name:"http-addr" env:"IKOMEK_HTTP_ADDR" default:"127.0.0.1:8080" help:"Address of the HTTP API, console and metrics (port 0 picks a free one)."`
	DatabaseURL string `name:"database-url" env:"IKOMEK_DATABASE_URL" default:"postgres://ikomek@127.0.0.1:5432/ikomek?sslmode=disable" help:"PostgreSQL URL." secret:""`
	RedisURL    string `name:"redis-url" env:"IKOMEK_REDIS_URL" default:"redis://127.0.0.1:6379/0" help:"Redis URL." secret:""`
	RedisPrefix string `name:"redis-prefix" env:"IKOMEK_REDIS_PREFIX" default:"ikomek:" help:"Prefix of every Redis key (controllers sharing a center share it)."`

	ARIURL      string `name:"ari-url" env:"IKOMEK_ARI_URL" default:"http://127.0.0.1:8088/ari" help:"Asterisk REST Interface base URL."`
	ARIUser     string `name:"ari-user" env:"IKOMEK_ARI_USER" default:"ikomek" help:"ARI user."`
	ARIPassword string `name:"ari-password" env:"IKOMEK_ARI_PASSWORD" help:"ARI password." secret:""`
	ARIApp      string `name:"ari-app" env:"IKOMEK_ARI_APP" default:"ikomek" help:"Stasis application name the dialplan hands calls to."`

	RecordingsDir string        `name:"recordings-dir" env:"IKOMEK_RECORDINGS_DIR" default:"recordings" help:"Where call recordings are stored."`
	Greeting      string        `name:"greeting" env:"IKOMEK_GREETING" default:"sound:ikomek-greeting" help:"Media played to every caller first (ARI media URI)."`
	Language      string        `name:"language" env:"IKOMEK_LANGUAGE" default:"ru" help:"Default prompt language (ru or kk)."`
	Shutdown      time.Duration `name:"shutdown-timeout" env:"IKOMEK_SHUTDOWN_TIMEOUT" default:"10s" help:"How long to wait for work in progress on shutdown."`

	RingTimeout   time.Duration `name:"ring-timeout" env:"IKOMEK_RING_TIMEOUT" default:"20s" help:"How long an operator's phone rings before the call is offered to another."`
	WrapUp        time.Duration `name:"wrap-up" env:"IKOMEK_WRAP_UP" default:"30s" help:"After-call work time before an operator is offered the next call."`
	AnnounceEvery time.Duration `name:"announce-every" env:"IKOMEK_ANNOUNCE_EVERY" default:"45s" help:"Queue position announcements interval (0 disables)."`
	LanguageMenu  bool          `name:"language-menu" env:"IKOMEK_LANGUAGE_MENU" default:"true" negatable:"" help:"Offer the Russian/Kazakh menu after the greeting."`
	MaxMissed     int           `name:"max-missed" env:"IKOMEK_MAX_MISSED" default:"3" help:"Unanswered offers in a row that pause an operator."`

	QCSampleShare float64 `name:"qc-sample-share" env:"IKOMEK_QC_SAMPLE_SHARE" default:"0.05" help:"Share of each operator's answered calls picked each week for quality review (0 disables)."`

	// StaffingInterval and StaffingZone shape the live staffing view: its
	// intervals (and their forecast) on the clock of the rosters. Their zero
	// values, left by configurations built in code, mean the defaults.
	StaffingInterval time.Duration `name:"staffing-interval" env:"IKOMEK_STAFFING_INTERVAL" default:"30m" help:"Interval of the live staffing view and its forecast: whole minutes dividing a day, 5m to 24h."`
	StaffingZone     string        `name:"staffing-zone" env:"IKOMEK_STAFFING_ZONE" default:"+05:00" help:"Clock of rosters and staffing intervals: an offset like +05:00 or a zone name like Asia/Almaty."`

	LogLevel  string `name:"log-level" env:"IKOMEK_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Log level (debug, info, warn, error)."`
	LogFormat string `name:"log-format" env:"IKOMEK_LOG_FORMAT" default:"text" enum:"text,json" help:"Log format (text or json)."`
}

// Validate checks the settings together; the error names every bad one.
func (c *Config) Validate() error {
	var bad []string
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		bad = append(bad, fmt.Sprintf("http-addr %q: %v", c.HTTPAddr, err))
	}
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		bad = append(bad, "database-url must be a postgres:// URL")
	}
	if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		bad = append(bad, "redis-url must be a redis:// URL")
	}
	if u, err := url.Parse(c.ARIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad = append(bad, "ari-url must be an http(s):// URL such as http://127.0.0.1:8088/ari")
	} else if strings.HasSuffix(c.ARIURL, "/") {
		bad = append(bad, "ari-url must not end with /")
	}
	if c.ARIUser == "" {
		bad = append(bad, "ari-user is empty")
	}
	if c.ARIPassword == "" {
		bad = append(bad, "ari-password is empty (IKOMEK_ARI_PASSWORD)")
	}
	if c.ARIApp == "" || strings.ContainsAny(c.ARIApp, " /?&=,") {
		bad = append(bad, fmt.Sprintf("ari-app %q must be a plain name", c.ARIApp))
	}
	if c.RecordingsDir == "" {
		bad = append(bad, "recordings-dir is empty")
	}
	if c.Language != "ru" && c.Language != "kk" {
		bad = append(bad, fmt.Sprintf("language %q must be ru or kk", c.Language))
	}
	if c.RingTimeout < 5*time.Second || c.RingTimeout > 2*time.Minute {
		bad = append(bad, "ring-timeout must be between 5s and 2m")
	}
	if c.WrapUp < 0 || c.WrapUp > 30*time.Minute {
		bad = append(bad, "wrap-up must be between 0 and 30m")
	}
	if c.AnnounceEvery != 0 && c.AnnounceEvery < 10*time.Second {
		bad = append(bad, "announce-every must be 0 or at least 10s")
	}
	if c.QCSampleShare < 0 || c.QCSampleShare > 1 {
		bad = append(bad, "qc-sample-share must be between 0 and 1")
	}
	if c.MaxMissed < 1 {
		bad = append(bad, "max-missed must be at least 1")
	}
	if c.Shutdown <= 0 {
		bad = append(bad, "shutdown-timeout must be positive")
	}
	if iv := c.StaffingInterval; iv != 0 && (iv < 5*time.Minute || iv > 24*time.Hour || iv%time.Minute != 0 || (24*time.Hour)%iv != 0) {
		bad = append(bad, fmt.Sprintf("staffing-interval %v must be whole minutes dividing a day, from 5m to 24h", iv))
	}
	if _, err := ParseZone(c.StaffingZone); c.StaffingZone != "" && err != nil {
		bad = append(bad, fmt.Sprintf("staffing-zone: %v", err))
	}
	if len(bad) > 0 {
		return apperr.Errorf(apperr.Invalid, "bad configuration: %s", strings.Join(bad, "; "))
	}
	return nil
}

// LogAttrs returns the settings for the start-up log line, secrets redacted.
func (c *Config) LogAttrs() []any {
	return []any{
		slog.String("http_addr", c.HTTPAddr),
		slog.String("database_url", RedactURL(c.DatabaseURL)),
		slog.String("redis_url", RedactURL(c.RedisURL)),
		slog.String("redis_prefix", c.RedisPrefix),
		slog.String("ari_url", c.ARIURL),
		slog.String("ari_user", c.ARIUser),
		slog.String("ari_password", redact(c.ARIPassword)),
		slog.String("ari_app", c.ARIApp),
		slog.String("recordings_dir", c.RecordingsDir),
		slog.String("greeting", c.Greeting),
		slog.String("language", c.Language),
		slog.Duration("shutdown_timeout", c.Shutdown),
		slog.Duration("ring_timeout", c.RingTimeout),
		slog.Duration("wrap_up", c.WrapUp),
		slog.Duration("announce_every", c.AnnounceEvery),
		slog.Bool("language_menu", c.LanguageMenu),
		slog.Int("max_missed", c.MaxMissed),
		slog.Float64("qc_sample_share", c.QCSampleShare),
		slog.Duration("staffing_interval", c.Staffing().Interval),
		slog.String("staffing_zone", c.Staffing().Location.String()),
		slog.String("log_level", c.LogLevel),
		slog.String("log_format", c.LogFormat),
	}
}

// Staffing is the clock of the live staffing view.
type Staffing struct {
	Interval time.Duration
	Location *time.Location
}

// Staffing returns the staffing interval and zone, the defaults (30 minutes,
// UTC+05:00) for zero values. Validate has checked them.
func (c *Config) Staffing() Staffing {
	s := Staffing{Interval: c.StaffingInterval, Location: time.FixedZone("UTC+05:00", 5*3600)}
	if s.Interval == 0 {
		s.Interval = 30 * time.Minute
	}
	if loc, err := ParseZone(c.StaffingZone); c.StaffingZone != "" && err == nil {
		s.Location = loc
	}
	return s
}

var offsetZone = regexp.MustCompile(`^([+-])(\d{2}):(\d{2})$`)

// ParseZone reads a clock: a UTC offset like +05:00 or an IANA zone name.
func ParseZone(s string) (*time.Location, error) {
	if m := offsetZone.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[2])
		mi, _ := strconv.Atoi(m[3])
		if h > 14 || mi > 59 {
			return nil, fmt.Errorf("offset %q is out of range", s)
		}
		off := h*3600 + mi*60
		if m[1] == "-" {
			off = -off
		}
		return time.FixedZone("UTC"+s, off), nil
	}
	if s == "" || strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
		return nil, fmt.Errorf("%q is not an offset like +05:00 or a zone name", s)
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an offset like +05:00 or a known zone name", s)
	}
	return loc, nil
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "REDACTED"
}

// RedactURL hides the password of a URL (and of a key=value DSN).
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return "REDACTED"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	q := u.Query()
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Logger builds the process logger the settings ask for.
func (c *Config) Logger(w interface{ Write([]byte) (int, error) }) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
