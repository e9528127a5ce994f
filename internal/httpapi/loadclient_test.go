package httpapi_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
)

// loadClient is the benchmarks' HTTP/1.1 client: each request is written whole in
// one write on a kept-alive connection and its response read with one buffered
// reader, without the per-connection goroutines and allocations of net/http's
// client. The load generator shares the machine's cores with the API and
// PostgreSQL, so the less it takes of them the less it disturbs what it measures.
type loadClient struct {
	addr, token string
	idle        chan *loadConn
}

type loadConn struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte
}

func newLoadClient(addr, token string) *loadClient {
	return &loadClient{addr: addr, token: token, idle: make(chan *loadConn, 1024)}
}

func (l *loadClient) conn() (*loadConn, error) {
	select {
	case c := <-l.idle:
		return c, nil
	default:
	}
	c, err := net.Dial("tcp", l.addr)
	if err != nil {
		return nil, err
	}
	return &loadConn{c: c, r: bufio.NewReaderSize(c, 16<<10), buf: make([]byte, 0, 1024)}, nil
}

func (l *loadClient) close() {
	for {
		select {
		case c := <-l.idle:
			c.c.Close()
		default:
			return
		}
	}
}

// do sends method path with body (JSON, or none) and reads the whole response; a
// status other than want is an error that quotes the body.
func (l *loadClient) do(method, path string, body []byte, want int) error {
	c, err := l.conn()
	if err != nil {
		return err
	}
	b := c.buf[:0]
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer "...)
	b = append(b, l.token...)
	if body != nil {
		b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	c.buf = b
	if _, err := c.c.Write(b); err != nil {
		c.c.Close()
		return err
	}
	status, resp, err := readResponse(c.r)
	if err != nil {
		c.c.Close()
		return err
	}
	select {
	case l.idle <- c:
	default: // more connections than the pool keeps: after a stall
		c.c.Close()
	}
	if status != want {
		return fmt.Errorf("%s %s = %d: %s", method, path, status, resp)
	}
	return nil
}

// readResponse reads one response with a Content-Length (all the API sends),
// returning its status and, when it is not a success, its body.
func readResponse(r *bufio.Reader) (status int, body []byte, err error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, nil, err
	}
	length := -1
	for {
		line, err = r.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return 0, nil, err
			}
		}
	}
	if length < 0 {
		return 0, nil, errors.New("response without Content-Length")
	}
	if status/100 == 2 {
		_, err = r.Discard(length)
		return status, nil, err
	}
	body = make([]byte, length)
	_, err = io.ReadFull(r, body)
	return status, body, err
}
