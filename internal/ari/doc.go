// Package ari is a client for the Asterisk REST Interface (ARI) of Asterisk 22.
//
// A Client makes typed REST calls through one small interface per resource
// (Channels, Bridges, Playbacks, Recordings, Endpoints, Applications,
// DeviceStates, Asterisk), so other packages can fake exactly what they use.
// Subscribe opens the event WebSocket, which also registers the Stasis
// application, and delivers every event in order on one channel, reconnecting
// on its own and saying so with the synthetic Connected and Disconnected
// events.
//
// The models follow the Swagger 1.2 spec Asterisk serves at
// /ari/api-docs/resources.json; a copy lives in testdata/api-docs and the
// tests check the models against it.
//
// Things ARI does that callers must plan for:
//   - A 2xx reply to play, dial, record or moh means "accepted"; the outcome
//     arrives later as an event.
//   - Events for a new channel may arrive before the HTTP reply that created
//     it: choose ids on the client side and register them before the call.
//   - While the socket is down, events are lost, not queued, and new calls to
//     Stasis(app) fail; after Connected{Reconnect: true}, resynchronise from
//     Applications.Get, Channels.List and Bridges.List.
package ari
