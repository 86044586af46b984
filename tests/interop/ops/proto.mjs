// A minimal protobuf reader/writer for the harness's test-only edits of libsignal's stored records
// (storage.proto in libsignal, pq_ratchet.proto in spqr). Fields keep their order; varints are
// BigInts. Only the wire types those records use are supported.

export function decodeFields(buf) {
  const fields = [];
  let at = 0;
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= buf.length || shift > 63n) throw new Error('bad varint in stored record');
      const b = buf[at++];
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value;
    }
  };
  while (at < buf.length) {
    const tag = varint();
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      fields.push({ field, wire, value: varint() });
    } else if (wire === 2) {
      const length = Number(varint());
      if (at + length > buf.length) throw new Error('truncated field in stored record');
      fields.push({ field, wire, value: buf.subarray(at, at + length) });
      at += length;
    } else {
      throw new Error(`wire type ${wire} not expected in a stored record`);
    }
  }
  return fields;
}

export function encodeFields(fields) {
  const out = [];
  const varint = (v) => {
    let value = BigInt(v);
    while (value >= 0x80n) {
      out.push(Number((value & 0x7fn) | 0x80n));
      value >>= 7n;
    }
    out.push(Number(value));
  };
  for (const { field, wire, value } of fields) {
    varint((BigInt(field) << 3n) | BigInt(wire));
    if (wire === 0) {
      varint(value);
    } else {
      varint(value.length);
      for (const b of value) out.push(b);
    }
  }
  return Uint8Array.from(out);
}

/** The only occurrence of `field`, or undefined; throws when it repeats. */
export function single(fields, field) {
  const found = fields.filter((f) => f.field === field);
  if (found.length > 1) throw new Error(`field ${field} repeats`);
  return found[0];
}

/** Replaces (or appends) the value of a non-repeated field. */
export function put(fields, field, wire, value) {
  const existing = single(fields, field);
  if (existing) {
    existing.wire = wire;
    existing.value = value;
  } else {
    fields.push({ field, wire, value });
  }
}

/** Decodes a nested message field, lets `edit` change it, and writes it back. */
export function editNested(fields, field, edit) {
  const existing = single(fields, field);
  if (!existing) throw new Error(`field ${field} missing`);
  const nested = decodeFields(existing.value);
  edit(nested);
  existing.value = encodeFields(nested);
}
