// commander (14.x) finds an option by scanning its command's whole option
// list (Command._findOption), and it does so for each flag of each option
// as it is added: quadratic in the ~130 options of `create` and `run`, ~4 M
// instructions (3%) of every create. This replaces the scan with a lookup
// in an index that follows the list, which commander only ever appends to.
// The first option with a flag wins, as in the scan. Without the method
// (another commander), commander's own scan stays.
import { Command, Option } from 'commander';

interface Indexed { options: readonly Option[]; huskIndex?: { list: readonly Option[]; n: number; byFlag: Map<string, Option> } }

const proto = Command.prototype as unknown as { _findOption?: (arg: string) => Option | undefined };
if (typeof proto._findOption === 'function') {
  proto._findOption = function (this: Indexed, arg: string): Option | undefined {
    let ix = this.huskIndex;
    if (!ix || ix.list !== this.options || ix.n > this.options.length) ix = this.huskIndex = { list: this.options, n: 0, byFlag: new Map() };
    for (; ix.n < this.options.length; ix.n++) {
      const o = this.options[ix.n];
      if (o.long && !ix.byFlag.has(o.long)) ix.byFlag.set(o.long, o);
      if (o.short && !ix.byFlag.has(o.short)) ix.byFlag.set(o.short, o);
    }
    return ix.byFlag.get(arg);
  };
}

// Option.attributeName() camel-cases the flag's name with a split and a
// reduce on every call, and commander calls it for every option in several
// passes of each parse (defaults, implied values, conflicts: ~1,000 calls for
// `create`). An option's flags never change once it is made, so the first
// answer is kept on the option.
const optionProto = Option.prototype as unknown as { attributeName?: () => string };
const attributeName = optionProto.attributeName;
if (typeof attributeName === 'function') {
  optionProto.attributeName = function (this: { huskAttr?: string }): string {
    return (this.huskAttr ??= attributeName.call(this));
  };
}
