import {
  Body,
  ConflictException,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Put,
  UnauthorizedException,
} from '@nestjs/common';
import { IsInt, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import type { LoyaltyConfig } from './config';

/** Injection token of the {@link LoyaltyConfig}. */
export const LOYALTY_CONFIG = Symbol('LOYALTY_CONFIG');

/** A member as `GET /members/:id` shows it. */
export interface MemberView {
  id: string;
  points: number;
  pending: number;
}

/** Body of `PUT /members/:id`. */
export class NewMember {
  @IsInt() @Min(0) points: number;
}

/** Members: created by an operator (admin token), read with the API key. */
@Controller()
export class MembersController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOYALTY_CONFIG) private readonly config: LoyaltyConfig,
  ) {}

  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }

  @Put('members/:id')
  @HttpCode(201)
  async create(
    @Param('id') id: string,
    @Body() body: NewMember,
    @Headers('authorization') authorization?: string,
  ): Promise<MemberView> {
    this.authorize(authorization, [this.config.adminToken]);
    const rows: unknown[] = await this.dataSource.query(
      'INSERT INTO members (id, points) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id',
      [id, body.points],
    );
    if (rows.length === 0) throw new ConflictException(`Member ${id} exists.`);
    return { id, points: body.points, pending: 0 };
  }

  @Get('members/:id')
  async read(
    @Param('id') id: string,
    @Headers('authorization') authorization?: string,
  ): Promise<MemberView> {
    this.authorize(authorization, [this.config.apiKey, this.config.adminToken]);
    const rows: { points: string; pending: string }[] = await this.dataSource.query(
      'SELECT points, pending FROM members WHERE id = $1',
      [id],
    );
    if (rows.length === 0) throw new NotFoundException(`No member ${id}.`);
    return { id, points: Number(rows[0].points), pending: Number(rows[0].pending) };
  }

  private authorize(authorization: string | undefined, tokens: string[]): void {
    if (!tokens.some((token) => authorization === `Bearer ${token}`)) {
      throw new UnauthorizedException('A valid bearer token is required.');
    }
  }
}
