import { ServiceRefusal } from '../shared/refusal';

/** The request's shape is wrong: every problem, each naming its field. */
export class InvalidRequestError extends ServiceRefusal {
  readonly code = 'VALIDATION_FAILED';
  readonly httpStatus = 400;

  constructor(readonly problems: ReadonlyArray<{ readonly field: string; readonly message: string }>) {
    super(problems.map((problem) => `${problem.field}: ${problem.message}`).join('; '));
  }
}

/** An upload over the configured size: Pinpoint's PayloadTooLarge, a 413. */
export class PayloadTooLargeError extends ServiceRefusal {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly httpStatus = 413;
  override readonly field = 'file';

  constructor(maxBytes: number) {
    super(`file: the upload is larger than the ${maxBytes} bytes allowed`);
  }
}

/** Another job asked for this destination topic alone and is still running: Userpilot's 409. */
export class DestinationBusyError extends ServiceRefusal {
  readonly code = 'DESTINATION_IN_USE';
  readonly httpStatus = 409;
  override readonly field = 'destinationTopic';

  constructor(
    destinationTopic: string,
    override readonly jobId: string | undefined,
  ) {
    super(`import job already in progress on destination topic "${destinationTopic}"${jobId === undefined ? '' : `: job ${jobId}`}`);
  }
}
