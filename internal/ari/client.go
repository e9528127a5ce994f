package ari

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultRequestTimeout bounds every REST call that does not get a shorter
// deadline from its context.
const DefaultRequestTimeout = 10 * time.Second

// maxResponseBytes caps a JSON reply body; a GET /channels on a busy server
// is a few MiB at most.
const maxResponseBytes = 64 << 20

// maxErrorBytes caps how much of an error reply is kept as its message.
const maxErrorBytes = 64 << 10

// Client talks to one Asterisk server's ARI. It is safe for concurrent use.
type Client struct {
	base     string // e.g. http://127.0.0.1:8088/ari, no trailing slash
	user     string
	auth     string // value of the Authorization header
	http     *http.Client
	timeout  time.Duration
	log      *slog.Logger
	channels channelsClient
	bridges  bridgesClient
	plays    playbacksClient
	recs     recordingsClient
	eps      endpointsClient
	apps     applicationsClient
	devs     deviceStatesClient
	ast      asteriskClient
}

// Option configures a Client in NewClient.
type Option func(*Client)

// WithHTTPClient makes the Client send its requests, including the WebSocket
// handshake, through hc. Per-request timeouts come from contexts, so hc needs
// no Timeout of its own.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// WithRequestTimeout bounds each REST call (and each WebSocket handshake) to
// d unless its context has an earlier deadline. d <= 0 keeps the default.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithLogger sets the logger for connection events (reconnects, malformed
// events). The default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// NewClient returns a Client for the ARI at baseURL, such as
// "http://127.0.0.1:8088/ari", authenticating as user with HTTP basic auth.
// It does not contact the server; use Asterisk().Ping for that.
func NewClient(baseURL, user, password string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("ari: bad base URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ari: bad base URL %q: want http(s)://host[:port]/ari", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("ari: bad base URL %q: no query or fragment allowed", baseURL)
	}
	if user == "" {
		return nil, errors.New("ari: empty user")
	}
	c := &Client{
		base:    u.String(),
		user:    user,
		auth:    "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password)),
		http:    &http.Client{Transport: newTransport()},
		timeout: DefaultRequestTimeout,
		log:     slog.Default(),
	}
	for _, o := range opts {
		o(c)
	}
	c.channels = channelsClient{c}
	c.bridges = bridgesClient{c}
	c.plays = playbacksClient{c}
	c.recs = recordingsClient{c}
	c.eps = endpointsClient{c}
	c.apps = applicationsClient{c}
	c.devs = deviceStatesClient{c}
	c.ast = asteriskClient{c}
	return c, nil
}

// BaseURL returns the ARI base URL without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// Channels returns the channel operations.
func (c *Client) Channels() Channels { return &c.channels }

// Bridges returns the bridge operations.
func (c *Client) Bridges() Bridges { return &c.bridges }

// Playbacks returns the playback operations.
func (c *Client) Playbacks() Playbacks { return &c.plays }

// Recordings returns the live and stored recording operations.
func (c *Client) Recordings() Recordings { return &c.recs }

// Endpoints returns the endpoint operations.
func (c *Client) Endpoints() Endpoints { return &c.eps }

// Applications returns the Stasis application operations.
func (c *Client) Applications() Applications { return &c.apps }

// DeviceStates returns the device state operations.
func (c *Client) DeviceStates() DeviceStates { return &c.devs }

// Asterisk returns the server-wide operations (info, ping, global variables,
// dynamic configuration).
func (c *Client) Asterisk() Asterisk { return &c.ast }

// call is one REST request: a path whose ids are already escaped, query
// parameters, an optional JSON body and an optional value to decode a 2xx
// reply into.
type call struct {
	method string
	path   string
	query  url.Values
	body   any
	out    any
}

// do performs cl within the client's request timeout. A non-2xx reply becomes
// an *Error carrying ARI's message; transport failures are wrapped with the
// method and path and keep their cause (e.g. context.DeadlineExceeded).
func (c *Client) do(ctx context.Context, cl call) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	start := time.Now()
	resp, err := c.send(ctx, cl)
	if d := time.Since(start); d > SlowRequest {
		// Asterisk runs channel operations on the channel's own thread: a slow reply
		// says that thread (or the server) is busy.
		c.log.Warn("slow ARI request", "method", cl.method, "path", cl.path, "duration", d, "err", err)
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if cl.out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBytes)).Decode(cl.out); err != nil {
		return fmt.Errorf("ari: %s %s: decoding reply: %w", cl.method, cl.path, err)
	}
	return nil
}

// send performs cl and returns the response of a 2xx reply with its body
// unread; any other reply is consumed and returned as an *Error.
func (c *Client) send(ctx context.Context, cl call) (*http.Response, error) {
	u := c.base + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body io.Reader
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return nil, fmt.Errorf("ari: %s %s: encoding body: %w", cl.method, cl.path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("ari: %s %s: %w", cl.method, cl.path, err)
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// Unwrap *url.Error: its text repeats the full URL, which we already name.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("ari: %s %s: %w", cl.method, cl.path, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
	return nil, &Error{Method: cl.method, Path: cl.path, Status: resp.StatusCode, Message: errorMessage(resp.StatusCode, raw)}
}

// errorMessage extracts ARI's {"message": "..."} text, falling back to the
// raw body and then to the HTTP status text.
func errorMessage(status int, raw []byte) string {
	var m struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(raw, &m) == nil {
		if m.Message != "" {
			return m.Message
		}
		if m.Error != "" {
			return m.Error
		}
	}
	if s := strings.TrimSpace(string(raw)); s != "" {
		return s
	}
	return http.StatusText(status)
}

// escapedPath builds a request path from segments, escaping every id with
// url.PathEscape so that "/", "?" and "%" in ids cannot change the route.
// Literal segments start with '/', ids do not.
func escapedPath(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if strings.HasPrefix(p, "/") {
			b.WriteString(p)
			continue
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// params builds a query string, skipping empty values so server defaults
// apply.
type params url.Values

func (p params) str(k, v string) params {
	if v != "" {
		url.Values(p).Set(k, v)
	}
	return p
}

// list sets a list parameter as one comma-separated value, the form ARI
// expects for allowMultiple parameters.
func (p params) list(k string, v []string) params {
	if len(v) > 0 {
		url.Values(p).Set(k, strings.Join(v, ","))
	}
	return p
}

func (p params) num(k string, v int) params {
	if v != 0 {
		url.Values(p).Set(k, fmt.Sprint(v))
	}
	return p
}

func (p params) flag(k string, v bool) params {
	if v {
		url.Values(p).Set(k, "true")
	}
	return p
}

// millis sets a duration parameter in milliseconds; zero is omitted.
func (p params) millis(k string, d time.Duration) params {
	return p.num(k, int(d/time.Millisecond))
}

// seconds sets a duration parameter in whole seconds, rounding a non-zero
// duration below one second up to 1; zero is omitted.
func (p params) seconds(k string, d time.Duration) params {
	if d <= 0 {
		return p
	}
	return p.num(k, max(1, int((d+time.Second-1)/time.Second)))
}

func (p params) values() url.Values { return url.Values(p) }

// variablesBody is the JSON body ARI takes for channel and bridge variables.
type variablesBody struct {
	Variables map[string]string `json:"variables"`
}

// varsBody returns a body for vars, or nil when there are none.
func varsBody(vars map[string]string) any {
	if len(vars) == 0 {
		return nil
	}
	return variablesBody{Variables: vars}
}

// SlowRequest is how long a request may take before it is logged as slow.
const SlowRequest = time.Second

// newTransport keeps a pool of connections to Asterisk: its HTTP server handles one
// request at a time per connection, and opening a connection per request under load
// exhausts its session limit and leaves requests waiting.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 64
	t.MaxIdleConnsPerHost = 64
	t.MaxConnsPerHost = 96
	t.IdleConnTimeout = 60 * time.Second
	return t
}
