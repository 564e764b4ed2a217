package codec

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"
	"reflect"
)

// GobCodec speaks encoding/gob. Gob streams carry type descriptions once
// per connection, so one encoder and one decoder live as long as the conn.
type GobCodec struct {
	conn io.ReadWriteCloser
	buf  *bufio.Writer
	dec  *gob.Decoder
	enc  *gob.Encoder
}

var _ Codec = (*GobCodec)(nil)

// NewGobCodec returns a gob Codec on conn.
func NewGobCodec(conn io.ReadWriteCloser) Codec {
	buf := bufio.NewWriterSize(conn, bufferSize)
	return &GobCodec{
		conn: conn,
		buf:  buf,
		dec:  gob.NewDecoder(bufio.NewReaderSize(conn, bufferSize)),
		enc:  gob.NewEncoder(buf),
	}
}

// ReadHeader decodes the next header.
func (c *GobCodec) ReadHeader(h *Header) error {
	return c.dec.Decode(h)
}

// ReadBody decodes the next body into body, or discards it if body is nil.
// A body that is not a non-nil pointer is discarded too, with an error:
// gob would refuse it without reading, and the unread body would then be
// taken for the next header.
func (c *GobCodec) ReadBody(body any) error {
	if body != nil {
		if v := reflect.ValueOf(body); v.Kind() != reflect.Pointer || v.IsNil() {
			if err := c.dec.DecodeValue(reflect.Value{}); err != nil { // discard
				return err
			}
			return fmt.Errorf("geerpc: gob decode body: want a non-nil pointer, got %T", body)
		}
	}
	return c.dec.Decode(body)
}

// Write encodes h and body into the buffer. A nil body, which gob cannot
// send, is refused before anything is written, so the connection lives
// on. If h or body fails to encode otherwise, the connection is closed:
// the encoder already counts the type descriptions it buffered as sent, so
// the stream cannot be continued.
func (c *GobCodec) Write(h *Header, body any) error {
	if v := reflect.ValueOf(body); !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil() {
		return fmt.Errorf("geerpc: gob encode body: gob cannot send nil (%T)", body)
	}
	if err := c.enc.Encode(h); err != nil {
		return c.abort(fmt.Errorf("geerpc: gob encode header: %w", err))
	}
	if err := c.enc.Encode(body); err != nil {
		return c.abort(fmt.Errorf("geerpc: gob encode body: %w", err))
	}
	return nil
}

// Flush sends the buffered frames. A failed send closes the connection:
// the buffer keeps its error, so nothing could be sent on it again, and
// closing makes the reading side fail as well.
func (c *GobCodec) Flush() error {
	if err := c.buf.Flush(); err != nil {
		return c.abort(fmt.Errorf("geerpc: gob send: %w", err))
	}
	return nil
}

func (c *GobCodec) abort(err error) error {
	c.buf.Reset(c.conn) // never put half a frame on the wire; the conn is closing anyway
	_ = c.conn.Close()
	return err
}

// Close closes the connection.
func (c *GobCodec) Close() error {
	return c.conn.Close()
}
