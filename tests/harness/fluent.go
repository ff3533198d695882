package harness

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"sort"
	"time"
)

// SendFluentForward sends one event as Fluentd's and Fluent Bit's `forward` output do (Forward
// protocol v1, Message mode: [tag, EventTime, record, {"chunk": id}]) and waits for the
// receiver's {"ack": id}, which it sends only once the event is in the pipeline.
func SendFluentForward(addr, tag string, at time.Time, record map[string]string) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	chunk := fmt.Sprintf("chunk-%d", at.UnixNano())

	var b bytes.Buffer
	b.WriteByte(0x94) // fixarray of 4
	msgpackStr(&b, tag)
	// EventTime: ext type 0, 8 bytes of big-endian seconds and nanoseconds.
	b.Write([]byte{0xd7, 0x00})
	_ = binary.Write(&b, binary.BigEndian, uint32(at.Unix()))
	_ = binary.Write(&b, binary.BigEndian, uint32(at.Nanosecond()))
	keys := make([]string, 0, len(record))
	for k := range record {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	msgpackMapHeader(&b, len(keys))
	for _, k := range keys {
		msgpackStr(&b, k)
		msgpackStr(&b, record[k])
	}
	msgpackMapHeader(&b, 1)
	msgpackStr(&b, "chunk")
	msgpackStr(&b, chunk)
	if _, err := conn.Write(b.Bytes()); err != nil {
		return err
	}

	reply := make([]byte, 256)
	n, err := conn.Read(reply)
	if err != nil {
		return fmt.Errorf("no ack for %s: %w", chunk, err)
	}
	if !bytes.Contains(reply[:n], []byte("ack")) || !bytes.Contains(reply[:n], []byte(chunk)) {
		return fmt.Errorf("reply %q is not the ack of %s", reply[:n], chunk)
	}
	return nil
}

func msgpackStr(b *bytes.Buffer, s string) {
	switch n := len(s); {
	case n < 32:
		b.WriteByte(0xa0 | byte(n))
	case n < 256:
		b.Write([]byte{0xd9, byte(n)})
	default:
		b.WriteByte(0xda)
		_ = binary.Write(b, binary.BigEndian, uint16(n))
	}
	b.WriteString(s)
}

func msgpackMapHeader(b *bytes.Buffer, n int) {
	if n < 16 {
		b.WriteByte(0x80 | byte(n))
		return
	}
	b.WriteByte(0xde)
	_ = binary.Write(b, binary.BigEndian, uint16(n))
}
