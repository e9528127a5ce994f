package ari

import (
	"context"
	"net/http"
)

// DeviceState is the state of a device (spec model DeviceState). Devices
// that ARI controls are named "Stasis:NAME".
type DeviceState struct {
	Name  string `json:"name"`
	State string `json:"state"` // one of the Device* constants
}

// Device states.
const (
	DeviceUnknown     = "UNKNOWN"
	DeviceNotInUse    = "NOT_INUSE"
	DeviceInUse       = "INUSE"
	DeviceBusy        = "BUSY"
	DeviceInvalid     = "INVALID"
	DeviceUnavailable = "UNAVAILABLE"
	DeviceRinging     = "RINGING"
	DeviceRingInUse   = "RINGINUSE"
	DeviceOnHold      = "ONHOLD"
)

// DeviceStates reads device states and controls the "Stasis:" devices ARI
// owns (e.g. to drive BLF lamps).
type DeviceStates interface {
	// List returns all device states.
	List(ctx context.Context) ([]DeviceState, error)
	// Get returns one device state.
	Get(ctx context.Context, name string) (*DeviceState, error)
	// Update sets a "Stasis:" device's state; other devices fail with 409.
	Update(ctx context.Context, name, state string) error
	// Delete removes a "Stasis:" device; one that is already gone (404)
	// counts as success.
	Delete(ctx context.Context, name string) error
}

var _ DeviceStates = (*deviceStatesClient)(nil)

type deviceStatesClient struct{ c *Client }

func (s *deviceStatesClient) List(ctx context.Context) ([]DeviceState, error) {
	var ds []DeviceState
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/deviceStates", out: &ds}); err != nil {
		return nil, err
	}
	return ds, nil
}

func (s *deviceStatesClient) Get(ctx context.Context, name string) (*DeviceState, error) {
	var d DeviceState
	if err := s.c.do(ctx, call{method: http.MethodGet, path: escapedPath("/deviceStates", name), out: &d}); err != nil {
		return nil, err
	}
	return &d, nil
}

func (s *deviceStatesClient) Update(ctx context.Context, name, state string) error {
	q := params{}.str("deviceState", state)
	return s.c.do(ctx, call{method: http.MethodPut, path: escapedPath("/deviceStates", name), query: q.values()})
}

func (s *deviceStatesClient) Delete(ctx context.Context, name string) error {
	return IgnoreNotFound(s.c.do(ctx, call{method: http.MethodDelete, path: escapedPath("/deviceStates", name)}))
}
