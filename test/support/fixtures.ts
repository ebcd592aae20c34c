// Valid test identities. ID numbers are built with a correct GB 11643 check character; they are
// synthetic (sequence numbers chosen here), not real people.
import { checkCharacter } from '../../src/identity/id-number.ts';

export function makeIdNumber(region = '110105', birth = '19900307', sequence = '123'): string {
  const first17 = `${region}${birth}${sequence}`;
  return first17 + checkCharacter(first17);
}

export function applicationBody(
  overrides: {
    idNumber?: string;
    phone?: string;
    amountFen?: number;
    termMonths?: number;
    score?: number;
  } = {},
) {
  return {
    applicant: {
      name: '张三',
      idNumber: overrides.idNumber ?? makeIdNumber(),
      phone: overrides.phone ?? '13812345678',
      employer: '某某科技有限公司',
      monthlyIncomeFen: 1_500_000,
    },
    request: {
      amountFen: overrides.amountFen ?? 2_000_000,
      termMonths: overrides.termMonths ?? 12,
      purpose: '消费',
    },
    channel: 'app',
    ...(overrides.score === undefined ? {} : { score: overrides.score }),
  };
}
