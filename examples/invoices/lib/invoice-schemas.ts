import { z } from 'zod';
import { parseAmountToCents } from './money';

/** A database id sent as a form field (always text) or as a number in plain arguments. */
export const InvoiceId = z
  .union([z.number(), z.string().regex(/^\d{1,12}$/, 'Not a valid invoice id.').transform(Number)], {
    error: 'Not a valid invoice id.',
  })
  .pipe(z.number().int('Not a valid invoice id.').positive('Not a valid invoice id.'));

/** A money amount typed by a person: up to 9 digits and 2 decimals, more than zero; becomes integer cents. */
export const Amount = z
  .string({ error: 'Enter an amount.' })
  .trim()
  .regex(/^\d{1,9}(\.\d{1,2})?$/, 'Enter an amount like 1200 or 1200.50.')
  .transform(parseAmountToCents)
  .refine((cents) => cents > 0, 'The amount must be more than zero.');

/** The fields of the invoice form, shared by create and edit. */
export const InvoiceFields = z.object({
  customer: z
    .string({ error: 'Enter the customer’s name.' })
    .trim()
    .min(1, 'Enter the customer’s name.')
    .max(120, 'Keep the customer’s name under 120 characters.'),
  description: z
    .string({ error: 'The description must be text.' })
    .trim()
    .max(500, 'Keep the description under 500 characters.')
    .default(''),
  amount: Amount,
  dueDate: z.iso.date({ error: 'Pick a due date.' }),
});

/** Input of `updateInvoice` (named by its `@schema` tag): the invoice's id plus its fields. */
export const UpdateInvoiceInput = InvoiceFields.extend({ invoiceId: InvoiceId });
