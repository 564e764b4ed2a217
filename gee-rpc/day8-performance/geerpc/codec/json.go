package codec

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// JsonCodec speaks encoding/json: each header and each body is one JSON
// value followed by a newline.
type JsonCodec struct {
	conn io.ReadWriteCloser
	buf  *bufio.Writer
	dec  *json.Decoder
	enc  *json.Encoder
}

var _ Codec = (*JsonCodec)(nil)

// NewJsonCodec returns a JSON Codec on conn.
func NewJsonCodec(conn io.ReadWriteCloser) Codec {
	buf := bufio.NewWriterSize(conn, bufferSize)
	return &JsonCodec{
		conn: conn,
		buf:  buf,
		dec:  json.NewDecoder(conn),
		enc:  json.NewEncoder(buf),
	}
}

// ReadHeader decodes the next header.
func (c *JsonCodec) ReadHeader(h *Header) error {
	return c.dec.Decode(h)
}

// ReadBody decodes the next body into body, or discards it if body is nil.
// A body of the wrong shape is still consumed whole, so the next frame can
// be read.
func (c *JsonCodec) ReadBody(body any) error {
	if body == nil {
		var discard json.RawMessage
		return c.dec.Decode(&discard)
	}
	return c.dec.Decode(body)
}

// Write encodes h and body into the buffer. The body is marshalled first so
// that a body JSON cannot encode never leaves a header without its body in
// the buffer.
func (c *JsonCodec) Write(h *Header, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("geerpc: json encode body: %w", err)
	}
	if err := c.enc.Encode(h); err != nil {
		return fmt.Errorf("geerpc: json encode header: %w", err)
	}
	c.buf.Write(b)
	return c.buf.WriteByte('\n')
}

// Flush sends the buffered frames. A failed send closes the connection:
// the buffer keeps its error, so nothing could be sent on it again.
func (c *JsonCodec) Flush() error {
	if err := c.buf.Flush(); err != nil {
		_ = c.conn.Close()
		return fmt.Errorf("geerpc: json send: %w", err)
	}
	return nil
}

// Close closes the connection.
func (c *JsonCodec) Close() error {
	return c.conn.Close()
}
