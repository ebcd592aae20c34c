// The demo catalogue: ten funders of mixed types and licences, three or more products each, with
// contracts. Rates sit inside the 24% cap; local banks are licensed only in their home province
// (银保监办发〔2021〕24号 art. 5). Seeding is idempotent: an existing funder is left as it is.
import type { TransactionUnit } from '../db/unit-of-work.ts';
import type { ContractTerms, FeeLine, FunderType, RepaymentMethod } from './model.ts';
import type { CatalogService, ProductInput } from './service.ts';

interface DemoFunder {
  id: string;
  name: string;
  type: FunderType;
  regions: string[];
  rateBase: number;
  minScore: number;
  quotaFen: number;
}

export const DEMO_FUNDERS: DemoFunder[] = [
  {
    id: 'icbc-consumer',
    name: '工银消费贷',
    type: 'bank',
    regions: ['*'],
    rateBase: 0.072,
    minScore: 700,
    quotaFen: 50_000_000_000,
  },
  {
    id: 'zhaolian-cfc',
    name: '招联消费金融',
    type: 'consumer-finance',
    regions: ['*'],
    rateBase: 0.108,
    minScore: 600,
    quotaFen: 30_000_000_000,
  },
  {
    id: 'mashang-cfc',
    name: '马上消费金融',
    type: 'consumer-finance',
    regions: ['*'],
    rateBase: 0.15,
    minScore: 520,
    quotaFen: 20_000_000_000,
  },
  {
    id: 'xingye-cfc',
    name: '兴业消费金融',
    type: 'consumer-finance',
    regions: ['*'],
    rateBase: 0.12,
    minScore: 580,
    quotaFen: 15_000_000_000,
  },
  {
    id: 'webank-micro',
    name: '微众银行',
    type: 'bank',
    regions: ['*'],
    rateBase: 0.09,
    minScore: 650,
    quotaFen: 40_000_000_000,
  },
  {
    id: 'shanghai-rcb',
    name: '上海农商银行',
    type: 'bank',
    regions: ['31'],
    rateBase: 0.078,
    minScore: 640,
    quotaFen: 5_000_000_000,
  },
  {
    id: 'chengdu-bank',
    name: '成都银行',
    type: 'bank',
    regions: ['51'],
    rateBase: 0.085,
    minScore: 620,
    quotaFen: 4_000_000_000,
  },
  {
    id: 'guangdong-hxb',
    name: '广东华兴银行',
    type: 'bank',
    regions: ['44'],
    rateBase: 0.096,
    minScore: 600,
    quotaFen: 6_000_000_000,
  },
  {
    id: 'jiangsu-sbank',
    name: '江苏苏宁银行',
    type: 'bank',
    regions: ['32', '31', '33'],
    rateBase: 0.11,
    minScore: 560,
    quotaFen: 8_000_000_000,
  },
  {
    id: 'hubei-trust',
    name: '湖北小贷',
    type: 'other',
    regions: ['42', '43'],
    rateBase: 0.168,
    minScore: 480,
    quotaFen: 2_000_000_000,
  },
];

const CONTRACT: ContractTerms = {
  serviceFee: { basis: 'disbursed', rate: 0.03 },
  noBackflow: {
    enabled: true,
    penaltyPerCustomerFen: 100_000,
    serviceFeeMultiple: 3,
    terminationThreshold: 20,
  },
  conversionFeeFen: 60_000, // ¥600: between the <¥500 conversion cost and the >¥1,000 open-market cost
  maxPenaltyRateAnnual: 0.03,
  auditRights: { creditReportCrossCheck: true, canaries: true, relayContacts: true },
};

function productsFor(f: DemoFunder): ProductInput[] {
  const methods: RepaymentMethod[] = ['equal-installment', 'equal-principal'];
  const fees: FeeLine[] =
    f.type === 'other' ? [{ kind: 'monthly-rate', rate: 0.001, label: '账户管理费' }] : [];
  const rate = (delta: number) => Math.min(0.2, Math.round((f.rateBase + delta) * 10_000) / 10_000);
  return [
    {
      id: `${f.id}-small`,
      name: `${f.name}·小额随借`,
      minAmountFen: 100_000,
      maxAmountFen: 3_000_000,
      termsMonths: [3, 6, 12],
      rateAnnualMin: rate(0.01),
      rateAnnualMax: rate(0.03),
      methods: [...methods, 'interest-first'],
      fees,
      ageMin: 20,
      ageMax: 55,
      minScore: f.minScore - 40,
    },
    {
      id: `${f.id}-standard`,
      name: `${f.name}·信用贷`,
      minAmountFen: 1_000_000,
      maxAmountFen: 10_000_000,
      termsMonths: [6, 12, 24, 36],
      rateAnnualMin: rate(0),
      rateAnnualMax: rate(0.02),
      methods,
      fees,
      ageMin: 22,
      ageMax: 55,
      minScore: f.minScore,
    },
    {
      id: `${f.id}-premium`,
      name: `${f.name}·优享贷`,
      minAmountFen: 5_000_000,
      maxAmountFen: 20_000_000,
      termsMonths: [12, 24, 36],
      rateAnnualMin: rate(-0.01),
      rateAnnualMax: rate(0.01),
      methods: ['equal-installment'],
      fees: [],
      ageMin: 25,
      ageMax: 50,
      minScore: f.minScore + 60,
    },
  ];
}

export async function seedDemoCatalog(
  unit: TransactionUnit,
  catalog: CatalogService,
): Promise<{ funders: number; products: number }> {
  const tx = unit.tx;
  let funders = 0;
  let productCount = 0;
  for (const f of DEMO_FUNDERS) {
    if (await catalog.getFunder(tx, f.id)) continue;
    await catalog.createFunder(unit, {
      id: f.id,
      name: f.name,
      type: f.type,
      licensedRegions: f.regions,
      transport: f.type === 'bank' ? 'direct' : 'via-bureau',
      monthlyQuotaFen: f.quotaFen,
    });
    for (const product of productsFor(f)) {
      await catalog.createProduct(unit, f.id, product);
      productCount++;
    }
    await catalog.createContract(unit, f.id, CONTRACT);
    funders++;
  }
  return { funders, products: productCount };
}
