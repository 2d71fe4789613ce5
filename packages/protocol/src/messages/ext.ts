import { FUSE_EXT_GROUPS } from '../abi/constants.js';
import { ProtocolError } from '../wire/protocol-error.js';

/** Most supplementary groups we accept from one extension (Linux NGROUPS_MAX). */
const MAX_GROUPS = 65536;

/**
 * Parse the request extension trailer (7.38+): `total_extlen * 8` bytes at the
 * end of the request, a sequence of fuse_ext_header {size u32, type u32}
 * records, each `size` bytes long including the header. FUSE_EXT_GROUPS
 * (fuse_supp_groups {nr_groups u32, groups u32[]}) is returned; security
 * contexts (types 0..31, fuse_secctx_header) and unknown types are skipped.
 * Throws ProtocolError on a record that does not fit.
 */
export function parseExtensions(view: DataView, start: number, end: number): number[] | undefined {
  let pos = start;
  let groups: number[] | undefined;
  while (pos < end) {
    if (end - pos < 8) throw new ProtocolError('short', `extension header truncated: ${end - pos} bytes left`);
    const size = view.getUint32(pos, true);
    const type = view.getUint32(pos + 4, true);
    if (size < 8 || size > end - pos) throw new ProtocolError('invalid', `extension of type ${type} has bad size ${size}`, 5);
    if (type === FUSE_EXT_GROUPS) {
      if (size < 12) throw new ProtocolError('short', 'supplementary-groups extension truncated');
      const nr = view.getUint32(pos + 8, true);
      if (nr > MAX_GROUPS || 12 + nr * 4 > size) {
        throw new ProtocolError('short', `supplementary-groups extension claims ${nr} groups in ${size} bytes`);
      }
      groups = new Array<number>(nr);
      for (let i = 0; i < nr; i++) groups[i] = view.getUint32(pos + 12 + i * 4, true);
    }
    pos += size;
  }
  return groups;
}
