package ari

import (
	"context"
	"net/http"
)

// AsteriskInfo describes the server (spec model AsteriskInfo). Sections not
// asked for with Info's only are nil.
type AsteriskInfo struct {
	Build  *BuildInfo  `json:"build,omitempty"`
	System *SystemInfo `json:"system,omitempty"`
	Config *ConfigInfo `json:"config,omitempty"`
	Status *StatusInfo `json:"status,omitempty"`
}

// BuildInfo says how Asterisk was built (spec model BuildInfo).
type BuildInfo struct {
	OS      string `json:"os"`
	Kernel  string `json:"kernel"`
	Options string `json:"options"`
	Machine string `json:"machine"`
	Date    string `json:"date"`
	User    string `json:"user"`
}

// SystemInfo identifies the server (spec model SystemInfo). EntityID is
// what events carry as asterisk_id.
type SystemInfo struct {
	Version  string `json:"version"`
	EntityID string `json:"entity_id"`
}

// ConfigInfo is the server's main configuration (spec model ConfigInfo).
type ConfigInfo struct {
	Name            string  `json:"name"`
	DefaultLanguage string  `json:"default_language"`
	MaxChannels     int     `json:"max_channels,omitempty"`
	MaxOpenFiles    int     `json:"max_open_files,omitempty"`
	MaxLoad         float64 `json:"max_load,omitempty"`
	SetID           SetID   `json:"setid"`
}

// SetID is the user and group Asterisk runs as (spec model SetId).
type SetID struct {
	User  string `json:"user"`
	Group string `json:"group"`
}

// StatusInfo says since when the server runs (spec model StatusInfo).
type StatusInfo struct {
	StartupTime    Time `json:"startup_time"`
	LastReloadTime Time `json:"last_reload_time"`
}

// AsteriskPing is the reply to a ping (spec model AsteriskPing).
type AsteriskPing struct {
	AsteriskID string `json:"asterisk_id"`
	Ping       string `json:"ping"` // always "pong"
	Timestamp  string `json:"timestamp"`
}

// ConfigTuple is one attribute of a dynamic configuration object (spec
// model ConfigTuple).
type ConfigTuple struct {
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
}

// Info sections for Asterisk.Info.
const (
	InfoBuild  = "build"
	InfoSystem = "system"
	InfoConfig = "config"
	InfoStatus = "status"
)

// Asterisk covers server-wide operations: health, global variables and the
// dynamic configuration of sorcery objects (e.g. PJSIP endpoints, auths and
// aors stored in astdb, configClass "res_pjsip").
type Asterisk interface {
	// Info returns the sections named in only (InfoBuild...), or all of
	// them when only is empty.
	Info(ctx context.Context, only ...string) (*AsteriskInfo, error)
	// Ping checks that ARI answers. While Asterisk boots it fails with 503.
	Ping(ctx context.Context) (*AsteriskPing, error)
	// GetGlobalVar returns a global variable or the result of a dialplan
	// function.
	GetGlobalVar(ctx context.Context, name string) (string, error)
	// SetGlobalVar sets a global variable.
	SetGlobalVar(ctx context.Context, name, value string) error
	// GetConfig returns the attributes of a dynamic configuration object,
	// e.g. ("res_pjsip", "endpoint", "op1"); a missing one fails with 404.
	GetConfig(ctx context.Context, configClass, objectType, id string) ([]ConfigTuple, error)
	// UpdateConfig creates or updates the object with fields and returns
	// all its attributes. Invalid fields fail with 400; an object type whose
	// backend is not writable (e.g. only pjsip.conf) fails with 403.
	UpdateConfig(ctx context.Context, configClass, objectType, id string, fields []ConfigTuple) ([]ConfigTuple, error)
	// DeleteConfig deletes the object; one that is already gone (404)
	// counts as success. A read-only backend fails with 403.
	DeleteConfig(ctx context.Context, configClass, objectType, id string) error
}

var _ Asterisk = (*asteriskClient)(nil)

type asteriskClient struct{ c *Client }

func (s *asteriskClient) Info(ctx context.Context, only ...string) (*AsteriskInfo, error) {
	var info AsteriskInfo
	q := params{}.list("only", only)
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/asterisk/info", query: q.values(), out: &info}); err != nil {
		return nil, err
	}
	return &info, nil
}

func (s *asteriskClient) Ping(ctx context.Context) (*AsteriskPing, error) {
	var p AsteriskPing
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/asterisk/ping", out: &p}); err != nil {
		return nil, err
	}
	return &p, nil
}

func (s *asteriskClient) GetGlobalVar(ctx context.Context, name string) (string, error) {
	var v Variable
	q := params{}.str("variable", name)
	err := s.c.do(ctx, call{method: http.MethodGet, path: "/asterisk/variable", query: q.values(), out: &v})
	return v.Value, err
}

func (s *asteriskClient) SetGlobalVar(ctx context.Context, name, value string) error {
	q := params{}.str("variable", name)
	q.values().Set("value", value)
	return s.c.do(ctx, call{method: http.MethodPost, path: "/asterisk/variable", query: q.values()})
}

func (s *asteriskClient) GetConfig(ctx context.Context, configClass, objectType, id string) ([]ConfigTuple, error) {
	var ts []ConfigTuple
	err := s.c.do(ctx, call{method: http.MethodGet, path: configPath(configClass, objectType, id), out: &ts})
	if err != nil {
		return nil, err
	}
	return ts, nil
}

func (s *asteriskClient) UpdateConfig(ctx context.Context, configClass, objectType, id string, fields []ConfigTuple) ([]ConfigTuple, error) {
	body := struct {
		Fields []ConfigTuple `json:"fields"`
	}{Fields: fields}
	if body.Fields == nil {
		body.Fields = []ConfigTuple{}
	}
	var ts []ConfigTuple
	err := s.c.do(ctx, call{method: http.MethodPut, path: configPath(configClass, objectType, id), body: body, out: &ts})
	if err != nil {
		return nil, err
	}
	return ts, nil
}

func (s *asteriskClient) DeleteConfig(ctx context.Context, configClass, objectType, id string) error {
	return IgnoreNotFound(s.c.do(ctx, call{method: http.MethodDelete, path: configPath(configClass, objectType, id)}))
}

func configPath(configClass, objectType, id string) string {
	return escapedPath("/asterisk/config/dynamic", configClass, objectType, id)
}
