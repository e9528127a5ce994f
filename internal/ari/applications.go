package ari

import (
	"context"
	"encoding/json"
	"net/http"
)

// Application is a Stasis application and what it owns or subscribed to
// (spec model Application). After a reconnect its ids are the starting
// point for resynchronising.
type Application struct {
	Name             string            `json:"name"`
	ChannelIDs       []string          `json:"channel_ids"`
	BridgeIDs        []string          `json:"bridge_ids"`
	EndpointIDs      []string          `json:"endpoint_ids"` // "tech/resource"
	DeviceNames      []string          `json:"device_names"`
	EventsAllowed    []json.RawMessage `json:"events_allowed"`
	EventsDisallowed []json.RawMessage `json:"events_disallowed"`
}

// ChannelSource names a channel as an event source for
// Applications.Subscribe: "channel:ID".
func ChannelSource(id string) string { return "channel:" + id }

// BridgeSource names a bridge as an event source.
func BridgeSource(id string) string { return "bridge:" + id }

// EndpointSource names an endpoint, e.g. "endpoint:PJSIP/op1", or with
// resource "" every endpoint of tech ("endpoint:PJSIP"), as an event source.
func EndpointSource(tech, resource string) string {
	if resource == "" {
		return "endpoint:" + tech
	}
	return "endpoint:" + tech + "/" + resource
}

// DeviceStateSource names a device as an event source.
func DeviceStateSource(name string) string { return "deviceState:" + name }

// Applications reads Stasis applications and manages their subscriptions.
// An application exists while an event socket for it is open (see
// Client.Subscribe); otherwise calls fail with 404.
type Applications interface {
	// List returns the registered applications.
	List(ctx context.Context) ([]Application, error)
	// Get returns one application.
	Get(ctx context.Context, name string) (*Application, error)
	// Subscribe adds event sources (see ChannelSource and friends) to the
	// application. A missing source fails with 422. Subscriptions may not
	// survive a reconnect (Asterisk destroys an idle application when its
	// socket closes): redo them after Connected{Reconnect: true}.
	Subscribe(ctx context.Context, app string, sources ...string) (*Application, error)
	// Unsubscribe removes event sources; one not subscribed fails with 409.
	Unsubscribe(ctx context.Context, app string, sources ...string) (*Application, error)
}

var _ Applications = (*applicationsClient)(nil)

type applicationsClient struct{ c *Client }

func (s *applicationsClient) List(ctx context.Context) ([]Application, error) {
	var apps []Application
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/applications", out: &apps}); err != nil {
		return nil, err
	}
	return apps, nil
}

func (s *applicationsClient) Get(ctx context.Context, name string) (*Application, error) {
	var app Application
	if err := s.c.do(ctx, call{method: http.MethodGet, path: escapedPath("/applications", name), out: &app}); err != nil {
		return nil, err
	}
	return &app, nil
}

func (s *applicationsClient) Subscribe(ctx context.Context, app string, sources ...string) (*Application, error) {
	return s.subscription(ctx, http.MethodPost, app, sources)
}

func (s *applicationsClient) Unsubscribe(ctx context.Context, app string, sources ...string) (*Application, error) {
	return s.subscription(ctx, http.MethodDelete, app, sources)
}

func (s *applicationsClient) subscription(ctx context.Context, method, app string, sources []string) (*Application, error) {
	var a Application
	q := params{}.list("eventSource", sources)
	if err := s.c.do(ctx, call{method: method, path: escapedPath("/applications", app, "/subscription"), query: q.values(), out: &a}); err != nil {
		return nil, err
	}
	return &a, nil
}
