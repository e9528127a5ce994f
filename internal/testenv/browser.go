package testenv

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Browser is a headless Debian chromium driven through chromedriver's W3C WebDriver
// protocol, for tests of the web console.
type Browser struct {
	t       testing.TB
	base    string // chromedriver's session URL
	client  *http.Client
	timeout time.Duration
}

// elementKey names an element reference in WebDriver's JSON.
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// Chromium starts chromedriver and a headless chromium session (Debian's packages
// chromium and chromium-driver, installed by `make deps`); both stop when the test
// ends.
func Chromium(t testing.TB) *Browser {
	t.Helper()
	skipShort(t, "chromium")
	driver, err := exec.LookPath("chromedriver")
	if err != nil {
		t.Fatal("chromedriver is not installed (Debian packages chromium and chromium-driver; `make deps`)")
	}
	bin := "/usr/bin/chromium"
	if _, err := os.Stat(bin); err != nil {
		t.Fatal("chromium is not installed at /usr/bin/chromium (Debian package chromium; `make deps`)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(driver, fmt.Sprintf("--port=%d", port), "--allowed-ips=127.0.0.1")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	root := fmt.Sprintf("http://127.0.0.1:%d", port)
	b := &Browser{t: t, client: &http.Client{Timeout: 60 * time.Second}, timeout: 15 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var st struct {
			Ready bool `json:"ready"`
		}
		if err := b.call("GET", root+"/status", nil, &st); err == nil && st.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver did not start:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": bin,
			// --no-sandbox: tests run as root, where chromium's sandbox refuses to start.
			"args": []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--no-first-run", "--window-size=1280,1000", "--user-data-dir=" + t.TempDir()},
		},
	}}}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call("POST", root+"/session", caps, &sess); err != nil {
		t.Fatalf("starting chromium: %v\n%s", err, logs.String())
	}
	b.base = root + "/session/" + sess.SessionID
	t.Cleanup(func() { b.call("DELETE", b.base, nil, nil) })
	return b
}

// call sends one WebDriver command and decodes the reply's value into out.
func (b *Browser) call(method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var reply struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &reply); err != nil {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, data)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		json.Unmarshal(reply.Value, &e)
		return fmt.Errorf("webdriver %s: %s", e.Error, firstLine(e.Message))
	}
	if out != nil {
		return json.Unmarshal(reply.Value, out)
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func (b *Browser) do(method, path string, in, out any) {
	b.t.Helper()
	if err := b.call(method, b.base+path, in, out); err != nil {
		b.t.Fatal(err)
	}
}

// Open loads a page.
func (b *Browser) Open(url string) {
	b.t.Helper()
	b.do("POST", "/url", map[string]string{"url": url}, nil)
}

// find returns the element matching a CSS selector, waiting for it to exist.
func (b *Browser) find(css string) string {
	b.t.Helper()
	var id string
	b.WaitFor("element "+css, func() bool {
		var el map[string]string
		if err := b.call("POST", b.base+"/element", map[string]string{"using": "css selector", "value": css}, &el); err != nil {
			return false
		}
		id = el[elementKey]
		return true
	})
	return id
}

// Click clicks an element once it is there, shown and enabled.
func (b *Browser) Click(css string) {
	b.t.Helper()
	b.WaitFor(css+" to be enabled", func() bool {
		return b.Eval(`const e = document.querySelector(arguments[0]); return !!e && !e.disabled && e.offsetParent !== null`, css) == true
	})
	b.do("POST", "/element/"+b.find(css)+"/click", map[string]any{}, nil)
}

// Type replaces the text of an input, as a user typing it.
func (b *Browser) Type(css, text string) {
	b.t.Helper()
	id := b.find(css)
	b.do("POST", "/element/"+id+"/clear", map[string]any{}, nil)
	b.do("POST", "/element/"+id+"/value", map[string]string{"text": text}, nil)
}

// Choose selects the option with a value in a select element, as a user would.
func (b *Browser) Choose(css, value string) {
	b.t.Helper()
	b.Click(css)
	b.do("POST", "/element/"+b.find(fmt.Sprintf(`%s option[value="%s"]`, css, value))+"/click", map[string]any{}, nil)
}

// Text is an element's visible text.
func (b *Browser) Text(css string) string {
	b.t.Helper()
	var s string
	b.do("GET", "/element/"+b.find(css)+"/text", nil, &s)
	return s
}

// Eval runs a script in the page and returns its result.
func (b *Browser) Eval(script string, args ...any) any {
	b.t.Helper()
	if args == nil {
		args = []any{}
	}
	var out any
	b.do("POST", "/execute/sync", map[string]any{"script": script, "args": args}, &out)
	return out
}

// WaitFor polls ok until it holds, failing the test after the browser's timeout with
// a screenshot of the page, kept in the system's temporary directory.
func (b *Browser) WaitFor(what string, ok func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(b.timeout)
	for !ok() {
		if time.Now().After(deadline) {
			b.t.Fatalf("timed out after %s waiting for %s (screenshot %s)", b.timeout, what, b.Screenshot())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// innerText is the visible text of the element matching css, "" when there is none.
func (b *Browser) innerText(css string) string {
	b.t.Helper()
	v, _ := b.Eval(`const e = document.querySelector(arguments[0]); return e ? e.innerText : ""`, css).(string)
	return v
}

// WaitText waits until an element's visible text contains want and returns the text.
func (b *Browser) WaitText(css, want string) string {
	b.t.Helper()
	var got string
	b.WaitFor(fmt.Sprintf("%s to show %q", css, want), func() bool {
		got = b.innerText(css)
		return strings.Contains(got, want)
	})
	return got
}

// WaitTextIs waits until an element's visible text, trimmed, is want.
func (b *Browser) WaitTextIs(css, want string) {
	b.t.Helper()
	b.WaitFor(fmt.Sprintf("%s to read %q", css, want), func() bool {
		return strings.TrimSpace(b.innerText(css)) == want
	})
}

// Visible reports whether an element is shown.
func (b *Browser) Visible(css string) bool {
	b.t.Helper()
	return b.Eval(`const e = document.querySelector(arguments[0]); return !!e && e.offsetParent !== null`, css) == true
}

// Screenshot saves the page as a PNG and returns its path.
func (b *Browser) Screenshot() string {
	var enc string
	if err := b.call("GET", b.base+"/screenshot", nil, &enc); err != nil {
		return "not taken: " + err.Error()
	}
	data, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "not taken: " + err.Error()
	}
	f, err := os.CreateTemp("", "ikomek-console-*.png")
	if err != nil {
		return "not taken: " + err.Error()
	}
	defer f.Close()
	f.Write(data)
	return f.Name()
}
