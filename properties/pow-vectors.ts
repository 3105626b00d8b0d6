/**
 * Bitcoin Core's test vectors for the compact nBits encoding, shared by the reducer's
 * arithmetic tests (pow-arith) and the independent oracle's (pow-oracle): the same facts,
 * checked against two implementations. Source: bitcoin/bitcoin
 * src/test/arith_uint256_tests.cpp, BOOST_AUTO_TEST_CASE(bignum_SetCompact): SetCompact(bits)
 * -> GetHex / fNegative, then GetCompact(fNegative) -> compact.
 */
const ZERO_HEX = '0'.repeat(64);

export const SET_COMPACT_VECTORS: readonly { bits: number; hex: string; compact: number; negative: boolean }[] = [
  { bits: 0, hex: ZERO_HEX, compact: 0, negative: false },
  { bits: 0x00123456, hex: ZERO_HEX, compact: 0, negative: false },
  { bits: 0x01003456, hex: ZERO_HEX, compact: 0, negative: false },
  { bits: 0x02000056, hex: ZERO_HEX, compact: 0, negative: false },
  { bits: 0x03000000, hex: ZERO_HEX, compact: 0, negative: false },
  { bits: 0x04000000, hex: ZERO_HEX, compact: 0, negative: false },
  { bits: 0x00923456, hex: ZERO_HEX, compact: 0, negative: false },
  { bits: 0x01803456, hex: ZERO_HEX, compact: 0, negative: false },
  { bits: 0x02800056, hex: ZERO_HEX, compact: 0, negative: false },
  { bits: 0x03800000, hex: ZERO_HEX, compact: 0, negative: false },
  { bits: 0x04800000, hex: ZERO_HEX, compact: 0, negative: false },
  { bits: 0x01123456, hex: '12'.padStart(64, '0'), compact: 0x01120000, negative: false },
  { bits: 0x01fedcba, hex: '7e'.padStart(64, '0'), compact: 0x01fe0000, negative: true },
  { bits: 0x02123456, hex: '1234'.padStart(64, '0'), compact: 0x02123400, negative: false },
  { bits: 0x03123456, hex: '123456'.padStart(64, '0'), compact: 0x03123456, negative: false },
  { bits: 0x04123456, hex: '12345600'.padStart(64, '0'), compact: 0x04123456, negative: false },
  { bits: 0x04923456, hex: '12345600'.padStart(64, '0'), compact: 0x04923456, negative: true },
  { bits: 0x05009234, hex: '92340000'.padStart(64, '0'), compact: 0x05009234, negative: false },
  { bits: 0x20123456, hex: '123456'.padEnd(64, '0'), compact: 0x20123456, negative: false },
];
