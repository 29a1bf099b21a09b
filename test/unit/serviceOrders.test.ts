import { nextStep, portalStepOf, previousStep } from '../../dialogs/addService/machine';
import type { FlowStep } from '../../dialogs/addService/state';
import catalogJson from '../../prisma/seed-data/catalog.json';
import { catalogHintOf, catalogProductOf, settledByHint, type CatalogProduct } from '../../services/catalog/catalog';
import { automaticActivationAllowed, serviceDraftSchema, stepInputSchemas, type ServiceDraft } from '../../services/addService/orderDraft';

/** Demo Company NV's contract, as contractCatalog returns it from the seeded tables. */
const demoCatalog: CatalogProduct[] = catalogJson.productTypes
  .filter((product) => product.code !== 'DSTNY_FMC')
  .map((product) => catalogProductOf({ ...product, serviceTypes: product.serviceTypes.map((type) => ({ ...type, productTypeCode: product.code })) }));

const typeOf = (code: string) => demoCatalog.flatMap((p) => p.serviceTypes).find((type) => type.code === code)!;
const draft = (values: Partial<ServiceDraft> = {}): ServiceDraft => serviceDraftSchema.parse(values);

/** Follows Next from the product step to the end, as the flow does. */
function walk(typeCode: string, values: Partial<ServiceDraft>): FlowStep[] {
  const type = typeOf(typeCode);
  const steps: FlowStep[] = [];
  let step: FlowStep = 'product';
  while (step !== 'done') {
    steps.push(step);
    step = nextStep(step, type, draft(values));
  }
  return steps;
}

describe('the step schemas', () => {
  it('say what is missing, in a message key per step', () => {
    const messageOf = (result: { success: boolean; error?: { issues: Array<{ message: string }> } }) => result.error?.issues[0]?.message;
    expect(messageOf(stepInputSchemas.product.safeParse({}))).toBe('addService.error.chooseProduct');
    expect(messageOf(stepInputSchemas.product.safeParse({ productTypeCode: '  ' }))).toBe('addService.error.chooseProduct');
    expect(messageOf(stepInputSchemas.number.safeParse({ numberOption: 'STEAL' }))).toBe('addService.error.chooseNumberOption');
    expect(messageOf(stepInputSchemas.move.safeParse({ fromServiceId: 'not-an-id' }))).toBe('addService.error.chooseMove');
    expect(messageOf(stepInputSchemas.activation.safeParse({ activationMethod: 'EMAIL' }))).toBe('addService.error.chooseTiming');
  });

  it('read a multi-select as a list and ignore the fields of other steps', () => {
    expect(stepInputSchemas.bundle.parse({ bundleCode: 'MOB_M', optionCodes: 'INTL_100, ROAM_DATA_5', flowId: 'x' })).toEqual({
      bundleCode: 'MOB_M',
      optionCodes: ['INTL_100', 'ROAM_DATA_5'],
    });
    expect(stepInputSchemas.bundle.parse({ bundleCode: 'MOB_M' }).optionCodes).toEqual([]);
  });

  it('refuse values of the wrong type from a tampered card', () => {
    expect(stepInputSchemas.sim.safeParse({ simOption: 'ADMIN_ENTERS', iccid: 8932 }).success).toBe(false);
    expect(serviceDraftSchema.safeParse({ userId: 'robert; drop table' }).success).toBe(false);
  });
});

describe('the flow as a state machine', () => {
  it('a standard SIM with a new number: steps 1 to 6, then activation', () => {
    expect(walk('MOBILE', { numberOption: 'NEW' })).toEqual(['product', 'serviceType', 'bundle', 'confirm', 'number', 'sim', 'activation']);
  });

  it('porting and moving add their own cards to step 5', () => {
    expect(walk('MOBILE', { numberOption: 'PORT' })).toEqual(['product', 'serviceType', 'bundle', 'confirm', 'number', 'porting', 'sim', 'activation']);
    expect(walk('MOBILE', { numberOption: 'MOVE' })).toEqual(['product', 'serviceType', 'bundle', 'confirm', 'number', 'move', 'moveConfirm', 'sim', 'activation']);
  });

  it('a UC user has no number and no SIM step; a converged SIM has all of them', () => {
    expect(walk('SM_UC_USER', { fixedOption: 'FREE' })).toEqual(['product', 'serviceType', 'bundle', 'confirm', 'fixedNumber', 'fixedPick', 'activation']);
    expect(walk('SM_CONVERGED', { numberOption: 'NEW', fixedOption: 'IN_USE' })).toEqual([
      'product', 'serviceType', 'bundle', 'confirm', 'number', 'sim', 'fixedNumber', 'fixedPick', 'fixedConfirm', 'activation',
    ]);
  });

  it('Back retraces exactly the cards Next went through', () => {
    for (const [code, values] of [
      ['MOBILE', { numberOption: 'MOVE' }],
      ['SM_CONVERGED', { numberOption: 'PORT', fixedOption: 'IN_USE' }],
      ['SM_UC_USER', { fixedOption: 'FREE' }],
    ] as const) {
      const forwards = walk(code, values);
      const backwards: FlowStep[] = [];
      let step: FlowStep = 'activation';
      while (step !== 'user') {
        backwards.unshift(step);
        step = previousStep(step, typeOf(code), draft(values));
      }
      expect(backwards).toEqual(forwards);
    }
  });

  it('numbers each card with the portal step it belongs to', () => {
    expect(['product', 'porting', 'moveConfirm', 'fixedConfirm', 'activation'].map((step) => portalStepOf(step as FlowStep))).toEqual([1, 5, 5, 7, 8]);
    expect(portalStepOf('user')).toBeNull();
  });

  it('offers automatic activation only with the SIM card number entered, or without a SIM card at all', () => {
    expect(automaticActivationAllowed(typeOf('MOBILE'), { simOption: 'USER_ENTERS' })).toBe(false);
    expect(automaticActivationAllowed(typeOf('MOBILE'), { simOption: 'ADMIN_ENTERS' })).toBe(true);
    expect(automaticActivationAllowed(typeOf('SM_UC_USER'), {})).toBe(true);
  });
});

describe('a request in words', () => {
  it('"a data SIM for Marie with the 20 GB bundle": the product is open, then type and bundle follow from it', () => {
    const hint = catalogHintOf(demoCatalog, 'a data SIM for Marie with the 20 GB bundle');
    expect(hint).toEqual({ dataOnly: true, dataGb: 20 });
    expect(settledByHint(demoCatalog, hint, {})).toEqual({ productTypeCode: undefined, serviceTypeCode: undefined, bundleCode: undefined });
    expect(settledByHint(demoCatalog, hint, { productTypeCode: 'DSTNY_MOBILE' })).toEqual({
      productTypeCode: 'DSTNY_MOBILE',
      serviceTypeCode: 'MOBILE_INTERNET',
      bundleCode: 'DATA_20',
    });
  });

  it('names a product, a UC user, or a bundle by its name, and nothing for words that name nothing', () => {
    expect(settledByHint(demoCatalog, catalogHintOf(demoCatalog, 'a UC user on SmartMobile for Els'), {})).toMatchObject({
      productTypeCode: 'DSTNY_SMARTMOBILE',
      serviceTypeCode: 'SM_UC_USER',
    });
    expect(settledByHint(demoCatalog, catalogHintOf(demoCatalog, 'Mobile L for Koen'), {})).toEqual({
      productTypeCode: 'DSTNY_MOBILE',
      serviceTypeCode: 'MOBILE',
      bundleCode: 'MOB_L',
    });
    expect(catalogHintOf(demoCatalog, 'add a service for Jan')).toEqual({});
    expect(catalogHintOf(demoCatalog, 'une carte SIM data de 100 Go pour Marie')).toEqual({ dataOnly: true, dataGb: 100 });
  });
});
