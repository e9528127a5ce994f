package ari

import (
	"context"
	"net/http"
)

// Endpoint is a device or account that channels are made to and from, e.g.
// an operator's PJSIP endpoint (spec model Endpoint).
type Endpoint struct {
	Technology string        `json:"technology"` // e.g. "PJSIP"
	Resource   string        `json:"resource"`   // e.g. "op1"
	State      EndpointState `json:"state,omitempty"`
	ChannelIDs []string      `json:"channel_ids"`
}

// EndpointState says whether an endpoint is reachable. A PJSIP endpoint is
// offline until its first contact is qualified.
type EndpointState string

// Endpoint states.
const (
	EndpointStateUnknown EndpointState = "unknown"
	EndpointStateOffline EndpointState = "offline"
	EndpointStateOnline  EndpointState = "online"
)

// Endpoints reads endpoints.
type Endpoints interface {
	// List returns every endpoint of every technology.
	List(ctx context.Context) ([]Endpoint, error)
	// ListByTech returns the endpoints of tech, e.g. "PJSIP"; an unknown
	// tech fails with 404.
	ListByTech(ctx context.Context, tech string) ([]Endpoint, error)
	// Get returns one endpoint; a missing one fails with 404.
	Get(ctx context.Context, tech, resource string) (*Endpoint, error)
}

var _ Endpoints = (*endpointsClient)(nil)

type endpointsClient struct{ c *Client }

func (s *endpointsClient) List(ctx context.Context) ([]Endpoint, error) {
	var eps []Endpoint
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/endpoints", out: &eps}); err != nil {
		return nil, err
	}
	return eps, nil
}

func (s *endpointsClient) ListByTech(ctx context.Context, tech string) ([]Endpoint, error) {
	var eps []Endpoint
	if err := s.c.do(ctx, call{method: http.MethodGet, path: escapedPath("/endpoints", tech), out: &eps}); err != nil {
		return nil, err
	}
	return eps, nil
}

func (s *endpointsClient) Get(ctx context.Context, tech, resource string) (*Endpoint, error) {
	var ep Endpoint
	if err := s.c.do(ctx, call{method: http.MethodGet, path: escapedPath("/endpoints", tech, resource), out: &ep}); err != nil {
		return nil, err
	}
	return &ep, nil
}
