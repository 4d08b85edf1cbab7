#!/usr/bin/env python3
"""Fail when include/uapi/linux/hsmon.h and netlink/hsmon.yaml disagree.

The YAML spec is the source of truth. Names follow the kernel's ynl-gen
conventions: enum entries <NAME-PREFIX><ENTRY> counted from 0, attributes
HSMON_A_<SET>_<ATTR> and commands HSMON_CMD_<OP> counted from 1.
"""
import re
import sys

import yaml


def cname(s):
    return s.upper().replace('-', '_')


def expected(spec):
    exp = {}
    fam = cname(spec['name'])
    for d in spec.get('definitions', []):
        if d['type'] != 'enum':
            continue
        prefix = cname(d.get('name-prefix', '%s-%s-' % (spec['name'], d['name'])))
        for i, e in enumerate(d['entries']):
            exp[prefix + cname(e)] = i
    for aset in spec['attribute-sets']:
        for i, a in enumerate(aset['attributes']):
            exp['%s_A_%s_%s' % (fam, cname(aset['name']), cname(a['name']))] = i + 1
    for i, op in enumerate(spec['operations']['list']):
        exp['%s_CMD_%s' % (fam, cname(op['name']))] = i + 1
    return exp


def header_values(text):
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    vals = {}
    for body in re.findall(r'enum\s*\w*\s*\{(.*?)\}', text, flags=re.S):
        n = -1
        for item in body.split(','):
            item = item.strip()
            if not item:
                continue
            m = re.match(r'(\w+)\s*(?:=\s*(.+))?$', item, flags=re.S)
            if not m:
                raise SystemExit('spec-check: cannot parse enum item %r' % item)
            name, val = m.group(1), m.group(2)
            if val is None:
                n += 1
            else:
                n = eval(re.sub(r'[A-Za-z_]\w*', lambda x: str(vals[x.group(0)]), val))
            vals[name] = n
    defines = dict(re.findall(r'#define[ \t]+(\w+)[ \t]+(\S+)', text))
    return vals, defines


def main():
    spec_path, header_path = sys.argv[1:3]
    spec = yaml.safe_load(open(spec_path))
    vals, defines = header_values(open(header_path).read())
    fam = cname(spec['name'])
    errors = []

    exp = expected(spec)
    for name, v in exp.items():
        if name not in vals:
            errors.append('%s: in the spec (= %d), missing from the header' % (name, v))
        elif vals[name] != v:
            errors.append('%s: spec says %d, header says %d' % (name, v, vals[name]))
    for name in vals:
        if name.startswith('_') or name.endswith('_MAX'):
            continue
        if re.match(r'%s_(A|CMD)_' % fam, name) and name not in exp:
            errors.append('%s: in the header, not in the spec' % name)

    want = {'%s_GENL_NAME' % fam: '"%s"' % spec['name'],
            '%s_GENL_VERSION' % fam: str(spec.get('version', 1))}
    for g in spec.get('mcast-groups', {}).get('list', []):
        want['%s_MCGRP_%s' % (fam, cname(g['name']))] = '"%s"' % g['name']
    for name, v in want.items():
        if defines.get(name) != v:
            errors.append('%s: spec says %s, header says %s' % (name, v, defines.get(name)))

    for e in errors:
        print('spec-check: ' + e, file=sys.stderr)
    if errors:
        return 1
    print('spec-check: %s agrees with %s (%d names)' % (header_path, spec_path, len(exp) + len(want)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
