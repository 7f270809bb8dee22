import { useMutation } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';

export interface AcceptInvitationInput {
  token: string;
  password: string;
  name?: string;
}

export const acceptInvitation = (body: AcceptInvitationInput) =>
  call(api.POST('/api/v1/invitations/accept', { body }));

export const useAcceptInvitation = () => useMutation({ mutationFn: acceptInvitation });
